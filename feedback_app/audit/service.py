"""Writing audit events, finding them again, and letting old ones go.

``record`` is the one call the rest of the app makes, a single line at each action. It adds
the event to the caller's session, so the event is committed exactly when the action is
(``commit=True`` for actions that write nothing else, such as a sign-in or a download). The
actor and the client's address are read from where the action runs (``current_actor``), so
a service called from a page, the API, a command or the worker is recorded as each.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_login import current_user

from feedback_app.audit.key_use import flush_key_uses
from feedback_app.audit.models import ActorKind, ApiKeyUse, AuditEvent
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiKey, WebhookEndpoint
from feedback_app.text_match import contains_text
from feedback_app.web.apis import is_api

#: Every action the log knows, with what it means; ``record`` refuses any other name, so
#: the filter on the log page and the README's list stay complete.
ACTIONS: dict[str, str] = {
    "auth.sign_in": "signed in",
    "auth.sign_in_failed": "a sign-in was refused (the email typed is in the details)",
    "auth.sign_out": "signed out",
    "auth.password_reset_requested": "a password reset link was asked for (with the email typed)",
    "user.created": "a staff account was made",
    "user.role_changed": "a staff account's role changed (its sessions ended)",
    "user.password_changed": "a staff account's password was set (its sessions ended)",
    "user.deactivated": "a staff account was deactivated (its sessions ended)",
    "user.activated": "a staff account was reactivated",
    "user.invited": "a staff account was made and its owner emailed a set-up link",
    "user.invitation_resent": "a new set-up link was emailed; the earlier ones stopped working",
    "user.set_up": "an invited user chose their name and password",
    "user.password_reset_sent": "a password reset link was emailed to a staff account",
    "user.password_reset": "a password was chosen with a reset link (its sessions ended)",
    "user.team_changed": "a staff user's team changed",
    "team.created": "a team was added",
    "team.renamed": "a team was renamed",
    "team.manager_changed": "a team's manager changed",
    "api_key.created": "an API key was made",
    "api_key.revoked": "an API key was revoked",
    "survey.created": "a survey was added",
    "survey.settings_changed": "a survey's settings changed (the fields are in the details)",
    "survey.followup_rule_changed": "a survey's follow-up rule changed from the command line",
    "survey.embed_secret_rotated": "a survey's embed signing secret was replaced",
    "survey.question_changed": "an additional question was added, changed, moved or deleted",
    "survey.rebucketed": "stored responses were re-filed by the current thresholds",
    "routing.rule_added": "a survey routing rule was added (its conditions are in the details)",
    "routing.rule_changed": "a survey routing rule's survey or conditions changed",
    "routing.rule_deleted": "a survey routing rule was deleted",
    "routing.rule_moved": "a survey routing rule moved up or down its kind's order",
    "routing.default_changed": "the survey a kind's contacts get when no rule matches changed",
    "target.set": "a KPI target was added (its KPI, team, value and deadline are in the details)",
    "target.changed": "a KPI target's KPI, team, value or deadline changed",
    "target.deleted": "a KPI target was deleted",
    "targets.replaced": "every KPI target was replaced through the API (with the count)",
    "webhook.created": "a webhook endpoint was added",
    "connector.created": "a helpdesk connector was added",
    "connector.settings_changed": "a connector's survey, delay or skip conditions changed",
    "connector.secret_rotated": "a connector's signing secret was replaced (the old one "
    "verifies for 24 hours)",
    "webhook.enabled": "a paused webhook endpoint was resumed",
    "webhook.disabled": "a webhook endpoint was paused (it gets nothing until resumed)",
    "webhook.changed": "a webhook endpoint's URL, events, format or description changed",
    "webhook.tested": "a test event was sent to a webhook endpoint",
    "webhook.secret_rotated": "a webhook endpoint's signing secret was replaced",
    "webhook.deleted": "a webhook endpoint was deleted, with its deliveries",
    "outbox.retried": "emails or webhooks were made due again",
    "unsubscribe.added": "an admin recorded an opt-out by hand, with the reason",
    "unsubscribe.reversed": "an opt-out was reversed, with the reason",
    "bounce.recorded": "a hard bounce was recorded",
    "case.assigned": "a follow-up case's owner changed",
    "case.status_changed": "a follow-up case moved to another state",
    "case.outcome_set": "a follow-up case's outcome was set",
    "case.note_added": "an internal note was added to a case",
    "case.replied": "the customer was written to from a case",
    "comment.reviewed": "an agent acknowledged or tagged a comment",
    "review_tag.added": "a tag was added to the shared list or a team's",
    "review_tag.renamed": "a review tag was renamed",
    "review_tag.moved": "a review tag moved in its list",
    "review_tag.archived": "a review tag was archived (no longer offered)",
    "review_tag.restored": "an archived review tag is offered again",
    "theme.pinned": "a comment theme was pinned as a tag (matching comments get tagged)",
    "theme.unpinned": "a pinned comment theme was removed, and its tags with it",
    "export.csv": "a CSV file was downloaded",
    "person.viewed": "a customer's data was looked up on the People page",
    "person.exported": "a customer's data was exported",
    "person.forgotten": "a customer was forgotten (what was deleted is in the details)",
    "responses.imported": "responses were imported from a file",
    "interactions.imported": "interactions were imported from a helpdesk's export",
    "delighted.imported": "a Delighted account's people, opt-outs and responses were imported",
    "rollups.rebuilt": "the score rollups were recomputed",
    "channel_alias.set": "a raw channel name was given a label (the label is in the details)",
    "channel_alias.removed": "an admin's channel alias was removed",
    "demo.seeded": "demo data was written",
    "audit.purged": "audit events past the retention time were deleted",
}

#: Detail keys whose value is never stored, whatever a caller passes: the log must not
#: become a place where secrets can be read.
SECRET_WORDS = ("password", "secret", "token", "hash", "api_key", "signature", "cookie")
WITHHELD = "[withheld]"
#: Longest text kept in a detail; a detail is a pointer, not a copy of the data.
MAX_DETAIL_TEXT = 300


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str
    id: int | None = None
    address: str | None = None


CLI = Actor(ActorKind.CLI, "cli")
SYSTEM = Actor(ActorKind.SYSTEM, "system")


def current_actor() -> Actor:
    """Who is acting here: the API key of an API request, the signed-in user of a page (or
    nobody, for a sign-in), ``cli`` in a command, else ``system`` (the worker's jobs).

    The address is Flask's ``remote_addr``, which ``PROXY_HOPS`` has already set to the
    client's as the proxies saw it, as the rate limits use it.
    """
    if has_request_context():
        address = request.remote_addr
        api_key = g.get("api_key")
        if api_key is not None and is_api(request):
            return Actor(ActorKind.API_KEY, key_label(api_key), api_key.id, address)
        if current_user.is_authenticated:
            return Actor(ActorKind.USER, current_user.email, current_user.id, address)
        return Actor(ActorKind.ANONYMOUS, "anonymous", None, address)
    # A command runs in click's context; the scheduler's jobs run in threads of their own.
    if click.get_current_context(silent=True) is not None:
        return CLI
    return SYSTEM


def key_label(api_key: ApiKey) -> str:
    """An API key as the log names it: its name and the prefix its listings show."""
    return f"{api_key.name} ({api_key.prefix}…)"


def record(
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    commit: bool = False,
) -> AuditEvent:
    """Log ``action`` on ``target`` (``type:id``) by whoever is acting now.

    :param details: what a reader needs to know (changed fields, counts, a filename);
        secret-looking keys are withheld and long texts cut.
    :param commit: commit at once, for actions that write nothing else.
    :raises ValueError: an action missing from ``ACTIONS``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to ACTIONS")
    actor = current_actor()
    event = AuditEvent(
        at=utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor=actor.label[:320],
        address=actor.address[:64] if actor.address else None,
        action=action,
        target=target[:200],
        details=_clean(details or {}),
    )
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


def _clean(value: Any) -> Any:
    """JSON-safe, secret-free, short: what a detail may hold."""
    if isinstance(value, Mapping):
        return {
            str(key): WITHHELD if _secret(str(key)) else _clean(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_clean(item) for item in items]
    if isinstance(value, enum.Enum):
        return _clean(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value if len(value) <= MAX_DETAIL_TEXT else value[:MAX_DETAIL_TEXT] + "…"
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clean(str(value))


def _secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def webhook(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the log describes it: by host, since the rest of a webhook URL can be
    the receiver's secret (a Slack incoming-webhook URL is)."""
    return {"host": urlsplit(endpoint.url).hostname, "events": endpoint.events}


#: The case timeline entries that are someone's decision, by the audit action they log.
CASE_ACTIONS = {
    "assigned": "case.assigned",
    "status": "case.status_changed",
    "outcome": "case.outcome_set",
    "note": "case.note_added",
    "message": "case.replied",
}


def record_case_event(
    case_id: int | None, kind: str, data: Mapping[str, Any], *, staff: bool
) -> None:
    """Log a case's timeline entry if a staff member or an API key made it; the worker's
    and the customer's own entries are the timeline's alone. Only the change itself (``from``
    and ``to``) is logged, never a note's or a message's text."""
    action = CASE_ACTIONS.get(str(kind))
    if staff and action is not None:
        change = {key: value for key, value in data.items() if key in ("from", "to")}
        record(action, f"case:{case_id}", change)


def changed_fields(before: object, after: object, prefix: str = "") -> list[str]:
    """The names of the fields of two dataclasses that differ, nested ones as ``rule.x``."""
    changed = []
    for field in fields(before):  # type: ignore[arg-type]
        old, new = getattr(before, field.name), getattr(after, field.name)
        if is_dataclass(old) and is_dataclass(new) and type(old) is type(new):
            changed += changed_fields(old, new, f"{prefix}{field.name}.")
        elif old != new:
            changed.append(prefix + field.name)
    return changed


def record_changes(action: str, target: str, before: object, after: object) -> None:
    """Log ``action`` with the names of the fields that changed; nothing if none did."""
    if names := changed_fields(before, after):
        record(action, target, {"fields": names})


# --- Reading the log ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """Which events to list; text filters match any part, without regard to case."""

    actor: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    #: The last day listed (included).
    until: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def events_query(filters: AuditFilters) -> sa.Select[tuple[AuditEvent]]:
    """The events matching ``filters``, newest first."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.actor:
        query = query.where(contains_text(AuditEvent.actor, filters.actor))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.target:
        query = query.where(contains_text(AuditEvent.target, filters.target))
    if filters.since:
        query = query.where(AuditEvent.at >= _day_start(filters.since))
    if filters.until and filters.until < date.max:
        query = query.where(AuditEvent.at < _day_start(filters.until + timedelta(days=1)))
    return query


@dataclass(frozen=True)
class KeyUse:
    """One API key's requests with one scope over the days listed."""

    key: str
    revoked: bool
    scope: str
    requests: int
    days: int
    first_day: date
    last_day: date


def key_uses(filters: AuditFilters) -> list[KeyUse]:
    """API key use per key and scope in the filters' days, for keys matching ``actor``,
    this process's counts not yet written included.

    Key use is counted, not logged per request, so only the actor and date filters apply.
    """
    flush_key_uses()
    query = (
        sa.select(
            ApiKey,
            ApiKeyUse.scope,
            sa.func.sum(ApiKeyUse.count),
            sa.func.count(),
            sa.func.min(ApiKeyUse.day),
            sa.func.max(ApiKeyUse.day),
        )
        .join(ApiKey, ApiKey.id == ApiKeyUse.key_id)
        .group_by(ApiKey, ApiKeyUse.scope)
        .order_by(ApiKey.id, ApiKeyUse.scope)
    )
    if filters.actor:
        query = query.where(
            sa.or_(
                contains_text(ApiKey.name, filters.actor),
                contains_text(ApiKey.prefix, filters.actor),
            )
        )
    if filters.since:
        query = query.where(ApiKeyUse.day >= filters.since)
    if filters.until:
        query = query.where(ApiKeyUse.day <= filters.until)
    return [
        KeyUse(key_label(key), key.revoked_at is not None, scope, int(total), days, first, last)
        for key, scope, total, days, first, last in db.session.execute(query)
    ]


CSV_COLUMNS = ("at", "actor_kind", "actor", "address", "action", "target", "details")


def csv_rows(filters: AuditFilters, batch: int = 1000) -> Iterator[list[Any]]:
    """The matching events as CSV rows, read in batches so memory stays flat."""
    query = events_query(filters).execution_options(yield_per=batch)
    for event in db.session.scalars(query):
        yield [
            event.at.isoformat(),
            event.actor_kind.value,
            event.actor,
            event.address or "",
            event.action,
            event.target,
            json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        ]


# --- Retention ------------------------------------------------------------------------------


def purge_expired(now: datetime) -> int:
    """Delete events and key-use counts older than ``AUDIT_RETENTION_DAYS``; commits.

    Returns how many events went. The purge itself is logged when it deleted any, so the
    log says since when it is complete.
    """
    days = int(current_app.config["AUDIT_RETENTION_DAYS"])
    cutoff = now - timedelta(days=days)
    deleted = db.session.execute(sa.delete(AuditEvent).where(AuditEvent.at < cutoff)).rowcount
    db.session.execute(sa.delete(ApiKeyUse).where(ApiKeyUse.day < cutoff.date()))
    if deleted:
        record("audit.purged", details={"events": deleted, "before": cutoff, "days": days})
    db.session.commit()
    return deleted
