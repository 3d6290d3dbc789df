"""``/api/v1/followups``: list and change follow-up cases, so a CRM or helpdesk can mirror them."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, g, request

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, User
from feedback_app.services.followups import Actor, CaseChange, change_case
from feedback_app.services.triage import UNASSIGNED, CaseFilters, case_json, case_query
from feedback_app.web.api import ApiError, json_body, paginated
from surveys.bucketing import Bucket
from surveys.cases import CaseStatus, InvalidCaseChange, Outcome

bp = Blueprint("followups", __name__)

PATCH_FIELDS = {"status", "owner", "outcome", "note"}
E = TypeVar("E", bound=enum.Enum)


@bp.get("/followups")
def list_cases() -> dict[str, Any]:
    """Cases by deadline, filtered by ``status``, ``owner``, ``bucket`` and ``overdue``.

    ``status`` and ``bucket`` take comma-separated values; ``owner`` a user id or email, or
    ``none`` for unassigned cases; ``overdue`` ``true`` or ``false``.
    """
    now = utcnow()
    errors: dict[str, str] = {}
    filters = CaseFilters(
        statuses=_enums("status", CaseStatus, errors),
        buckets=_enums("bucket", Bucket, errors),
        owner_id=_owner_filter(errors),
        overdue=_boolean("overdue", errors),
    )
    if errors:
        raise ApiError(422, "invalid filters", errors)
    return paginated(case_query(filters, now), lambda case: case_json(case, now))


@bp.patch("/followups/<int:case_id>")
def update_case(case_id: int) -> dict[str, Any]:
    """Change ``status``, ``owner`` (id, email or null), ``outcome`` or add a ``note``."""
    case = db.session.get(FollowUpCase, case_id)
    if case is None:
        raise ApiError(404, f"no follow-up case {case_id}")
    body = json_body()
    errors = {name: "unknown field" for name in sorted(set(body) - PATCH_FIELDS)}
    change = _change_from(body, errors)
    if not errors and change == CaseChange():
        raise ApiError(
            422, "nothing to change", {name: "give at least one" for name in PATCH_FIELDS}
        )
    if errors:
        raise ApiError(422, "invalid change", errors)
    now = utcnow()
    try:
        change_case(case, change, Actor(f"api:{g.api_key.name}"), now)
    except InvalidCaseChange as error:
        raise ApiError(422, error.message, {error.field or "status": error.message}) from None
    db.session.commit()
    return case_json(case, now)


def _change_from(body: dict[str, Any], errors: dict[str, str]) -> CaseChange:
    status = _enum_value(body, "status", CaseStatus, errors)
    outcome = _enum_value(body, "outcome", Outcome, errors)
    note = body.get("note", "")
    if not isinstance(note, str):
        errors["note"] = "must be a string"
        note = ""
    owner_id, unassign = None, False
    if "owner" in body:
        if body["owner"] is None:
            unassign = True
        else:
            owner_id = _find_user(body["owner"])
            if owner_id is None:
                errors["owner"] = "no user has this id or email"
    return CaseChange(
        status=status, outcome=outcome, owner_id=owner_id, unassign=unassign, note=note
    )


def _enum_value(
    body: dict[str, Any], name: str, enum_cls: type[E], errors: dict[str, str]
) -> E | None:
    raw = body.get(name)
    if raw is None:
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        errors[name] = "must be one of " + _names(enum_cls)
        return None


def _enums(name: str, enum_cls: type[E], errors: dict[str, str]) -> frozenset[E]:
    values = [v for v in request.args.get(name, "").split(",") if v.strip()]
    try:
        return frozenset(enum_cls(v.strip()) for v in values)
    except ValueError:
        errors[name] = "must be one or more of " + _names(enum_cls)
        return frozenset()


def _names(enum_cls: type[enum.Enum]) -> str:
    return ", ".join(str(member.value) for member in enum_cls)


def _owner_filter(errors: dict[str, str]) -> int | None:
    raw = request.args.get("owner", "").strip()
    if not raw:
        return None
    if raw.lower() == "none":
        return UNASSIGNED
    owner = _find_user(raw)
    if owner is None:
        errors["owner"] = "no user has this id or email; use none for unassigned cases"
    return owner


def _find_user(value: object) -> int | None:
    """The id of the user with ``value`` as id or email."""
    if (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isdigit()
    ):
        return db.session.scalar(sa.select(User.id).where(User.id == int(value)))
    if isinstance(value, str):
        return db.session.scalar(sa.select(User.id).where(User.email == value.strip().lower()))
    return None


def _boolean(name: str, errors: dict[str, str]) -> bool | None:
    raw = request.args.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    errors[name] = "must be true or false"
    return None
