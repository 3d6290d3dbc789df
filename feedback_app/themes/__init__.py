"""Comment themes: the recurring phrases of comments, kept by the worker, pinnable as tags.

``phrases`` finds them (plain Python and scikit-learn, no Flask nor database); ``service``
computes and keeps them for a selection of responses and tags matching comments; ``views``
is the dashboard's Themes page. Kept import-free, like ``feedback_app.audit``, so the
models can be imported by ``feedback_app.models``.
"""
