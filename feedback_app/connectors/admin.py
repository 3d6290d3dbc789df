"""Admin pages for connectors: the list, a connector's set-up guide, settings and deliveries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from feedback_app.clock import utcnow
from feedback_app.connectors.setup import (
    InvalidConnector,
    Settings,
    conditions,
    create_connector,
    hook_url,
    rotate_secret,
    surveys_to_choose,
    update_settings,
)
from feedback_app.extensions import db
from feedback_app.models import Connector, ConnectorDelivery, Role
from feedback_app.web.auth import role_required
from surveys.connectors import CONNECTORS
from surveys.settings import MAX_DELAY_SECONDS

bp = Blueprint("connectors", __name__, url_prefix="/admin/connectors")
T = TypeVar("T")

#: Deliveries listed on a connector's page.
LATEST_DELIVERIES = 100


class NewConnectorForm(FlaskForm):
    type = SelectField(
        "Helpdesk", choices=[SelectChoice(kind, spec.label) for kind, spec in CONNECTORS.items()]
    )
    name = StringField("Name", description="For you, e.g. “Zendesk, EU support”.")
    secret = StringField(
        "Secret (optional)",
        description="The signing secret the helpdesk shows, if it issues one; "
        "otherwise we make one for you to paste into the helpdesk.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class SecretForm(FlaskForm):
    secret = StringField(
        "New secret",
        description="Leave empty to have a new random one made (for helpdesks that take ours).",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class SettingsForm(FlaskForm):
    survey = SelectField("Survey")
    delay_seconds = IntegerField(
        "Delay (seconds)",
        validators=[Optional(), NumberRange(0, MAX_DELAY_SECONDS)],
        description="After the solve, before the invitation goes out; empty for the survey's own.",
    )
    skip_tags = TextAreaField("Skip tickets tagged", description="One per line or comma.")
    skip_teams = TextAreaField("Skip tickets of the teams", description="One per line or comma.")
    skip_channels = TextAreaField(
        "Skip tickets from the channels",
        description="The helpdesk's own names, e.g. voice or api; one per line or comma.",
    )
    access_token = StringField(
        "Access token",
        description="Empty keeps the one saved.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    api_url = StringField(
        "REST API URL", description="https://api.eu.intercom.io for EU workspaces."
    )

    def fill(self, connector: Connector) -> None:
        self.survey.choices = [
            SelectChoice("", "Default (the body's survey, or the main CSAT)")
        ] + [
            SelectChoice(str(survey.id), f"{survey.name} ({survey.kind.value.upper()})")
            for survey in surveys_to_choose()
        ]
        if not self.is_submitted():
            self.survey.data = str(connector.survey_id or "")
            self.delay_seconds.data = connector.delay_seconds
            self.skip_tags.data = "\n".join(connector.skip_tags)
            self.skip_teams.data = "\n".join(connector.skip_teams)
            self.skip_channels.data = "\n".join(connector.skip_channels)
            self.api_url.data = connector.api_url

    def settings(self, connector: Connector) -> Settings:
        return Settings(
            survey_id=int(self.survey.data) if (self.survey.data or "").isdigit() else None,
            delay_seconds=self.delay_seconds.data,
            skip_tags=conditions([self.skip_tags.data or ""]),
            skip_teams=conditions([self.skip_teams.data or ""]),
            skip_channels=conditions([self.skip_channels.data or ""]),
            access_token=(self.access_token.data or "").strip() or connector.access_token,
            api_url=(self.api_url.data or "").strip() or None,
        )


def _saved(form: FlaskForm, save: Callable[[], T], message: str) -> T | None:
    """What ``save`` returned, committed and ``message`` flashed, once ``form`` is valid and
    ``save`` took it; else None, with the problems on the form's fields."""
    if not form.validate_on_submit():
        return None
    try:
        saved = save()
    except InvalidConnector as error:
        db.session.rollback()
        for name, problem in error.errors.items():
            field = getattr(form, name, None)
            (field.errors if field is not None else form.form_errors).append(problem)
        return None
    db.session.commit()
    flash(message, "info")
    return saved


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index() -> WerkzeugResponse:
    form = NewConnectorForm()
    connector = _saved(
        form,
        lambda: create_connector(
            form.type.data or "", form.name.data or "", utcnow(), secret=form.secret.data
        ),
        "Connector added. Follow the steps below in your helpdesk.",
    )
    if connector is not None:
        return redirect(url_for(".connector", connector_id=connector.id))
    connectors = db.session.scalars(sa.select(Connector).order_by(Connector.created_at)).all()
    return make_response(
        render_template(
            "connectors/index.html", form=form, connectors=connectors, specs=CONNECTORS
        ),
        422 if form.errors or form.form_errors else 200,
    )


def _page(
    connector: Connector, settings_form: SettingsForm, secret_form: SecretForm, status: int = 200
) -> WerkzeugResponse:
    deliveries = db.session.scalars(
        sa.select(ConnectorDelivery)
        .where(ConnectorDelivery.connector_id == connector.id)
        .order_by(ConnectorDelivery.id.desc())
        .limit(LATEST_DELIVERIES)
    ).all()
    response = make_response(
        render_template(
            "connectors/connector.html",
            connector=connector,
            spec=CONNECTORS[connector.type],
            url=hook_url(connector),
            settings_form=settings_form,
            secret_form=secret_form,
            deliveries=deliveries,
        ),
        status,
    )
    # The page shows the connector's secret.
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings_form(connector: Connector) -> SettingsForm:
    form = SettingsForm()
    form.fill(connector)
    return form


def _connector(connector_id: str) -> Connector:
    connector = db.session.get(Connector, connector_id[:60])
    if connector is None:
        abort(404)
    return connector


@bp.get("/<connector_id>")
@role_required(Role.ADMIN)
def connector(connector_id: str) -> WerkzeugResponse:
    found = _connector(connector_id)
    return _page(found, _settings_form(found), SecretForm())


@bp.post("/<connector_id>/settings")
@role_required(Role.ADMIN)
def save_settings(connector_id: str) -> WerkzeugResponse:
    found = _connector(connector_id)
    form = _settings_form(found)
    if _saved(form, lambda: update_settings(found, form.settings(found)), "Settings saved."):
        return redirect(url_for(".connector", connector_id=found.id))
    return _page(found, form, SecretForm(), 422)


@bp.post("/<connector_id>/secret")
@role_required(Role.ADMIN)
def new_secret(connector_id: str) -> WerkzeugResponse:
    found = _connector(connector_id)
    form = SecretForm()
    if _saved(
        form,
        lambda: rotate_secret(found, utcnow(), form.secret.data),
        "New secret saved; the previous one still verifies for 24 hours.",
    ):
        return redirect(url_for(".connector", connector_id=found.id))
    return _page(found, _settings_form(found), form, 422)


@bp.get("/<connector_id>/deliveries/<int:delivery_id>")
@role_required(Role.ADMIN)
def delivery(connector_id: str, delivery_id: int) -> str:
    found = _connector(connector_id)
    row = db.get_or_404(ConnectorDelivery, delivery_id)
    if row.connector_id != found.id:
        abort(404)
    body = row.body.decode("utf-8", errors="replace") if row.body is not None else None
    return render_template("connectors/delivery.html", connector=found, delivery=row, body=body)
