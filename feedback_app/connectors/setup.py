"""Adding connectors, changing their settings and rotating their secrets."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Connector, Survey
from surveys.connectors import CONNECTORS
from surveys.kinds import SurveyKind
from surveys.settings import MAX_DELAY_SECONDS

#: How long the secret before a rotation still verifies, so the helpdesk can be switched over.
ROTATION_GRACE = timedelta(hours=24)
#: Where Intercom's REST API answers unless the connector says otherwise (EU and AU
#: workspaces have their own hosts).
INTERCOM_API_URL = "https://api.intercom.io"
#: Skip conditions of one kind a connector may hold.
MAX_CONDITIONS = 50


class InvalidConnector(ValueError):
    """Settings that cannot be saved; ``errors`` names each bad field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Settings:
    """What an admin may change on a connector; see ``Connector``'s columns."""

    survey_id: int | None = None
    delay_seconds: int | None = None
    skip_tags: tuple[str, ...] = ()
    skip_teams: tuple[str, ...] = ()
    skip_channels: tuple[str, ...] = ()
    access_token: str | None = None
    api_url: str | None = None


def new_id(kind: str) -> str:
    """An unguessable id that still says which helpdesk it is for."""
    return f"{kind.replace('_', '-')}-{secrets.token_urlsafe(18)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hook_url(connector: Connector) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/hooks/{connector.id}"


def surveys_to_choose() -> list[Survey]:
    """The surveys a connector may invite to: those sent after an interaction."""
    return list(
        db.session.scalars(
            sa.select(Survey)
            .where(Survey.kind.in_([SurveyKind.CSAT, SurveyKind.CES]))
            .order_by(Survey.kind, Survey.id)
        )
    )


def conditions(values: Iterable[str]) -> tuple[str, ...]:
    """Condition values from a list or from text with one per comma or line, cleaned."""
    found: list[str] = []
    for value in values:
        for part in value.replace("\n", ",").split(","):
            if part.strip() and part.strip() not in found:
                found.append(part.strip())
    return tuple(found)


def _problems(name: str, secret: str | None, settings: Settings) -> dict[str, str]:
    problems = {}
    if not name.strip():
        problems["name"] = "is required"
    elif len(name.strip()) > 200:
        problems["name"] = "must be at most 200 characters"
    if secret is not None and not 8 <= len(secret) <= 200:
        problems["secret"] = "must be 8 to 200 characters"
    if secret is not None and any(ord(char) < 32 for char in secret):
        problems["secret"] = "must not contain control characters"
    if settings.survey_id is not None and settings.survey_id not in {
        survey.id for survey in surveys_to_choose()
    }:
        problems["survey"] = "must be a CSAT or CES survey"
    if settings.delay_seconds is not None and not 0 <= settings.delay_seconds <= MAX_DELAY_SECONDS:
        problems["delay_seconds"] = f"must be between 0 and {MAX_DELAY_SECONDS}"
    for key in ("skip_tags", "skip_teams", "skip_channels"):
        values = getattr(settings, key)
        if len(values) > MAX_CONDITIONS or any(len(value) > 200 for value in values):
            problems[key] = f"at most {MAX_CONDITIONS} values of at most 200 characters"
    if settings.access_token is not None and len(settings.access_token) > 500:
        problems["access_token"] = "must be at most 500 characters"
    if settings.api_url:
        parts = urlsplit(settings.api_url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or len(settings.api_url) > 500
        ):
            problems["api_url"] = "must be an absolute http(s) URL"
    return problems


def create_connector(
    kind: str,
    name: str,
    now: datetime,
    *,
    secret: str | None = None,
    settings: Settings = Settings(),
) -> Connector:
    """Add a connector; flushes only.

    The secret is ``secret`` or, for a helpdesk that takes one from us, a new random one.
    A helpdesk that issues its own (Zendesk, Intercom, Front, FreeScout) may be added
    without it, and given it once the helpdesk shows it: until then nothing verifies.

    :raises InvalidConnector: an unknown type or bad settings.
    """
    if kind not in CONNECTORS:
        raise InvalidConnector({"type": f"must be one of {', '.join(CONNECTORS)}"})
    secret = secret.strip() if secret is not None and secret.strip() else None
    if problems := _problems(name, secret, settings):
        raise InvalidConnector(problems)
    if secret is None and not CONNECTORS[kind].issues_secret:
        secret = new_secret()
    connector = Connector(
        id=new_id(kind), type=kind, name=name.strip(), secret=secret, created_at=now
    )
    _apply(connector, settings)
    db.session.add(connector)
    db.session.flush()
    audit.record("connector.created", f"connector:{connector.id}", {"type": kind, "name": name})
    return connector


def update_settings(connector: Connector, settings: Settings) -> Connector:
    """Replace the connector's survey, delay, skip conditions and lookup settings; returns it.

    :raises InvalidConnector: bad settings.
    """
    if problems := _problems(connector.name, None, settings):
        raise InvalidConnector(problems)
    before = settings_of(connector)
    _apply(connector, settings)
    audit.record_changes(
        "connector.settings_changed", f"connector:{connector.id}", before, settings_of(connector)
    )
    return connector


def _apply(connector: Connector, settings: Settings) -> None:
    connector.survey_id = settings.survey_id
    connector.delay_seconds = settings.delay_seconds
    connector.skip_tags = list(settings.skip_tags)
    connector.skip_teams = list(settings.skip_teams)
    connector.skip_channels = list(settings.skip_channels)
    if "access_token" in CONNECTORS[connector.type].settings:
        connector.access_token = settings.access_token or None
        connector.api_url = settings.api_url or INTERCOM_API_URL


def settings_of(connector: Connector) -> Settings:
    return Settings(
        survey_id=connector.survey_id,
        delay_seconds=connector.delay_seconds,
        skip_tags=tuple(connector.skip_tags),
        skip_teams=tuple(connector.skip_teams),
        skip_channels=tuple(connector.skip_channels),
        access_token=connector.access_token,
        api_url=connector.api_url,
    )


def rotate_secret(connector: Connector, now: datetime, secret: str | None = None) -> str:
    """Make ``secret`` (or a new random one) the connector's; the old one verifies for 24 h.

    :raises InvalidConnector: no secret given for a helpdesk that issues its own, or a bad one.
    """
    secret = secret.strip() if secret is not None and secret.strip() else None
    if secret is None and CONNECTORS[connector.type].issues_secret:
        label = CONNECTORS[connector.type].label
        raise InvalidConnector({"secret": f"{label} issues the secret: give the one it shows"})
    if secret is not None and (problems := _problems(connector.name, secret, Settings())):
        raise InvalidConnector(problems)
    if connector.secret:
        connector.previous_secret = connector.secret
        connector.previous_secret_until = now + ROTATION_GRACE
    connector.secret = secret or new_secret()
    audit.record("connector.secret_rotated", f"connector:{connector.id}")
    return connector.secret


def secrets_in_force(connector: Connector, now: datetime) -> list[str]:
    """The secrets a delivery may be signed with at ``now``: the current one, and the one
    before the last rotation for 24 hours after it."""
    found = [connector.secret] if connector.secret else []
    until = connector.previous_secret_until
    if connector.previous_secret and until is not None and now < until:
        found.append(connector.previous_secret)
    return found
