"""Extension objects, unbound; ``create_app`` binds them. No side effects at import."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from feedback_app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: Limits only the routes that ask for it. If its storage (Redis) is down, requests go on
#: unlimited rather than failing.
limiter = Limiter(get_remote_address, headers_enabled=True, swallow_errors=True)
