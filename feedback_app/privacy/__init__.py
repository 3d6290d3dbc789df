"""Privacy on request: a customer's data exported as one document, or forgotten.

``export`` gathers everything stored about a customer; ``forget`` deletes it and keeps only
their scores, stripped and unlinked, so the dashboard's figures stay as they were;
``blocklist`` remembers a forgotten address by a keyed hash so it is never invited again;
``admin`` is the admins' People page. Kept import-free, like ``feedback_app.audit``.
"""
