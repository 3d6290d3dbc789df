# Settings for this machine. Copy to instance/config.py. Every key can also be set as an
# environment variable with the FEEDBACK_ prefix (FEEDBACK_SECRET_KEY, ...), which wins.

# "development" (default), "testing" or "production".
ENV = "production"

# Signs sessions, CSRF tokens and survey links: at least 32 random bytes, and changing it
# breaks survey links already sent. Production, `feedback serve` and `feedback worker`
# refuse to start without one. Make one with
#   python -c "import secrets; print(secrets.token_urlsafe(48))"
# and put it here or, better, in FEEDBACK_SECRET_KEY. (In development, one is made for this
# installation in instance/development-secret-key.)
SECRET_KEY = ""

# SQLite in this folder by default; PostgreSQL in production:
# DATABASE_URL = "postgresql+psycopg://feedback:password@127.0.0.1:5432/feedback"

# The public address of this service, used for links in emails; with https, session
# cookies are sent only over https.
BASE_URL = "https://feedback.example.com"

COMPANY_NAME = "Example Support"

# Survey sent after an interaction when the helpdesk does not say which: "csat", "ces" or "none".
DEFAULT_INTERACTION_SURVEY = "csat"

# Several web processes (FEEDBACK_WEB_WORKERS, default two per core) must share the
# sign-in attempt counts:
# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
