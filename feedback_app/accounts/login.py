"""Flask-Login on top of the server-side staff sessions, and the session cookie's flags.

Flask-Login keeps the user's id in the signed session cookie; this module adds the
session's token beside it and lets the user loader accept the cookie only while
``sessions`` says that session is live. Remember-me cookies are not used: one would carry
no token, so the loader refuses it too. The customer pages never load the user: their
requests cost no query and no write however many staff cookies come with them.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user, login_user, logout_user

from feedback_app.accounts import sessions
from feedback_app.clock import utcnow
from feedback_app.extensions import login_manager
from feedback_app.models import User

#: Where the session's token lives in the signed cookie.
SESSION_KEY = "staff_session"


def init_app(app: Flask) -> None:
    # Flask-Login's own context processor loads the user for every template, the customer
    # pages' too; the proxy loads them only where a template asks (the staff pages).
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    # Secure whenever the site is reached over https; never readable by scripts; not sent
    # on other sites' cross-site posts.
    secure = str(app.config["BASE_URL"]).startswith("https://")
    for cookie in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        app.config[f"{cookie}_HTTPONLY"] = True
        app.config[f"{cookie}_SECURE"] = secure or bool(app.config.get(f"{cookie}_SECURE"))
        if app.config.get(f"{cookie}_SAMESITE") is None:
            app.config[f"{cookie}_SAMESITE"] = "Lax"


def _load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    user = sessions.signed_in_user(token, utcnow())
    return user if user is not None and user.get_id() == user_id else None


def sign_in(user: User) -> None:
    """Start a server-side session for ``user`` and sign the browser in to it."""
    address = request.remote_addr or ""
    token = sessions.start(user, request.user_agent.string, address, utcnow())
    login_user(user)
    session[SESSION_KEY] = token


def sign_out() -> None:
    """End this browser's session on the server, then forget it in the cookie."""
    token = session.pop(SESSION_KEY, None)
    if isinstance(token, str):
        sessions.end(token, utcnow())
    logout_user()
