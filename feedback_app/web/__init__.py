"""Blueprint registration: one module per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from feedback_app.web import auth, errors, health, home
    from feedback_app.web.api import interactions, people, register_api, responses

    errors.register(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(health.bp)
    register_api(app, [interactions.bp, people.bp, responses.bp])
