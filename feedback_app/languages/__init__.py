"""Survey texts per language: what the admin page shows (which texts each language lacks)
and how it stores an edit. ``surveys.languages`` decides from values; customers' pages and
emails pick their texts through ``feedback_app.branding.survey_words``."""
