# Settings for this machine. Copy to instance/config.py. Every key can also be set as an
# environment variable with the FEEDBACK_ prefix (FEEDBACK_SECRET_KEY, ...), which wins.

# "development" (default), "testing" or "production". Production refuses the default secret.
ENV = "production"

# Signs sessions, CSRF tokens and survey links. Long and random; changing it breaks
# survey links already sent.
SECRET_KEY = "change-me"

# SQLite in this folder by default; PostgreSQL in production:
# DATABASE_URL = "postgresql+psycopg://feedback:password@127.0.0.1:5432/feedback"

# The public address of this service, used for links in emails.
BASE_URL = "https://feedback.example.com"

COMPANY_NAME = "Example Support"

# Survey sent after an interaction when the helpdesk does not say which: "csat", "ces" or "none".
DEFAULT_INTERACTION_SURVEY = "csat"
