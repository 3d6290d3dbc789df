"""The emails and webhooks of follow-up, queued in the outbox of the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Invitation, User
from feedback_app.services.emails import compose, survey_email
from feedback_app.services.outbox import queue_email
from feedback_app.services.triage import case_json
from feedback_app.services.webhooks import queue_webhook_event
from surveys.bucketing import bucket_label
from surveys.kinds import KIND_SPECS

if TYPE_CHECKING:
    from feedback_app.services.digest import Digest


def case_url(case: FollowUpCase) -> str:
    return f"{_base_url()}/followups/{case.id}"


def case_opened(case: FollowUpCase, now: datetime) -> None:
    """The ``followup.created`` webhook, and an alert to the owner if there is one."""
    _webhook("followup.created", case, now)
    if case.owner is not None:
        _alert(case, case.owner, "opened", now)


def case_updated(case: FollowUpCase, now: datetime) -> None:
    """The ``followup.updated`` webhook."""
    _webhook("followup.updated", case, now)


def case_assigned(case: FollowUpCase, now: datetime) -> None:
    """Tell a new owner the case is now theirs."""
    if case.owner is not None:
        _alert(case, case.owner, "opened", now)


def deadline_reminder(case: FollowUpCase, now: datetime) -> None:
    """Remind the owner, if any, that the deadline is near."""
    if case.owner is not None:
        _alert(case, case.owner, "reminder", now)


def escalation(case: FollowUpCase, admins: Sequence[User], now: datetime) -> None:
    """Tell every admin the case is past its deadline."""
    for admin in admins:
        _alert(case, admin, "escalated", now)


def message_to_customer(
    case: FollowUpCase, author: User, subject: str, body: str, now: datetime
) -> None:
    """The author's email to the customer, sent in the survey's name; replies go to the author."""
    customer = case.customer
    assert customer is not None
    message = compose(
        "customer_reply",
        to_email=customer.email,
        to_name=customer.name,
        locale=customer.locale,
        survey=case.survey,
        reply_to=author.email,
        reply_to_name=author.name,
        context={"subject_line": subject, "body": body, "owner_name": author.name or author.email},
    )
    queue_email(message, now, purpose="reply")


def resurvey(case: FollowUpCase, token: str, now: datetime) -> None:
    """Ask the customer, after resolution, whether their concern was resolved."""
    customer = case.customer
    assert customer is not None
    url = f"{_base_url()}/r/{token}"
    message = compose(
        "followup_resurvey",
        to_email=customer.email,
        to_name=customer.name,
        locale=customer.locale,
        survey=case.survey,
        context={"yes_url": f"{url}?answer=yes", "no_url": f"{url}?answer=no"},
    )
    queue_email(message, now, purpose="resurvey")


def invitation_reminder(invitation: Invitation, now: datetime) -> None:
    """The one reminder of an unanswered invitation."""
    queue_email(
        survey_email(invitation, reminder=True), now, purpose="reminder", invitation=invitation
    )


def weekly_digest(manager: User, digest: Digest, now: datetime) -> None:
    """A manager's weekly digest."""
    week = digest.week
    message = compose(
        "weekly_digest",
        to_email=manager.email,
        to_name=manager.name,
        context={
            "week_start": week.start,
            "week_end": week.end,
            "opened": week.opened,
            "closed": week.closed,
            "closed_within_deadline": week.closed_within_deadline,
            "open_cases": digest.open_cases,
            "overdue_count": digest.overdue_count,
            "overdue": [
                (f"#{case.id} {_customer_label(case)}", case.due_at, case_url(case))
                for case in digest.overdue
            ],
            "dashboard_url": f"{_base_url()}/followups/",
        },
    )
    queue_email(message, now, purpose="digest")


def _alert(case: FollowUpCase, to: User, reason: str, now: datetime) -> None:
    db.session.flush()  # a new case gets its id, named in the message, and its related rows
    message = compose(
        "followup_alert",
        to_email=to.email,
        to_name=to.name,
        survey=case.survey,
        context={
            "reason": reason,
            "case_id": case.id,
            "customer_label": _customer_label(case),
            "kind_label": case.kind.value.upper(),
            "score": case.score,
            "scale_high": KIND_SPECS[case.kind].high,
            "bucket": bucket_label(case.bucket, case.kind),
            "comment": case.response.comment,
            "due_at": case.due_at,
            "case_url": case_url(case),
        },
    )
    queue_email(message, now, purpose="followup_alert")


def _webhook(event: str, case: FollowUpCase, now: datetime) -> None:
    queue_webhook_event(event, lambda: _case_payload(case, now), now)


def _case_payload(case: FollowUpCase, now: datetime) -> dict[str, Any]:
    owner = case.owner.email if case.owner else "unassigned"
    summary = (
        f"Case #{case.id}: {_customer_label(case)} scored {case.score}/"
        f"{KIND_SPECS[case.kind].high} on {case.kind.value.upper()}; {case.status.label.lower()},"
        f" {case.priority.value} priority, owner {owner}"
    )
    return {**case_json(case, now), "summary": summary, "url": case_url(case)}


def _customer_label(case: FollowUpCase) -> str:
    customer = case.customer
    if customer is None:
        return "an anonymous customer"
    return f"{customer.name} <{customer.email}>" if customer.name else customer.email


def _base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")
