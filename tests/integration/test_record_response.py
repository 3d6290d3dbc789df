"""record_response, the one writer of responses: what it returns, keeps and refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Invitation, Response
from feedback_app.services.responses import lock_invitation, record_response
from feedback_app.services.settling import settle_answers
from surveys.answers import InvalidComment, ResponseSource, SurveyExpired
from surveys.bucketing import Bucket
from surveys.errors import InvalidScore
from surveys.invitations import InvalidTransition, InvitationStatus, SuppressionReason
from tests.helpers import FrozenClock

MakeInvitation = Callable[..., tuple[Invitation, str]]


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def test_an_edit_changes_the_score_and_keeps_the_rest(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, _ = make_invitation("nps")
    first = record_response(
        invitation.survey,
        6,
        "Meh",
        clock.now,
        source=ResponseSource.EMAIL,
        invitation=lock_invitation(invitation),
    )
    assert settle_answers() == 1
    clock.advance(hours=1)

    second = record_response(
        invitation.survey,
        "9",
        None,
        clock.now,
        source=ResponseSource.PAGE,
        invitation=lock_invitation(invitation),
    )

    assert second.id == first.id
    assert (second.score, second.bucket, second.comment, second.source) == (
        9,
        Bucket.PROMOTER,
        "Meh",
        "email",
    )
    assert (second.created_at, second.updated_at) == (clock.now - timedelta(hours=1), clock.now)
    assert (second.counted_score, second.unsettled) == (6, True)


def test_an_edit_that_changes_nothing_writes_nothing(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, _ = make_invitation()
    created = clock.now
    record_response(
        invitation.survey,
        4,
        "ok",
        clock.now,
        source=ResponseSource.PAGE,
        invitation=lock_invitation(invitation),
    )
    assert settle_answers() == 1
    clock.advance(hours=1)
    again = record_response(
        invitation.survey,
        4,
        " ok ",
        clock.now,
        source=ResponseSource.PAGE,
        invitation=lock_invitation(invitation),
    )
    assert (again.updated_at, again.unsettled) == (created, False)


@pytest.mark.parametrize(
    ("score", "comment", "error"),
    [(6, "", InvalidScore), (True, "", InvalidScore), (3, "x" * 5001, InvalidComment)],
)
def test_bad_input_writes_nothing(
    make_invitation: MakeInvitation,
    clock: FrozenClock,
    score: object,
    comment: str,
    error: type[Exception],
) -> None:
    invitation, _ = make_invitation("csat")
    with pytest.raises(error):
        record_response(
            invitation.survey,
            score,
            comment,
            clock.now,
            source=ResponseSource.API,
            invitation=lock_invitation(invitation),
        )
    assert count() == 0
    assert invitation.status is InvitationStatus.SCHEDULED


def test_a_suppressed_or_expired_invitation_takes_no_answer(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    suppressed, _ = make_invitation(suppressed=SuppressionReason.UNSUBSCRIBED)
    with pytest.raises(InvalidTransition):
        record_response(
            suppressed.survey,
            5,
            "",
            clock.now,
            source=ResponseSource.API,
            invitation=lock_invitation(suppressed),
        )
    db.session.rollback()
    expiring, _ = make_invitation(email="other@example.com")
    clock.advance(days=30)
    with pytest.raises(SurveyExpired):
        record_response(
            expiring.survey,
            5,
            "",
            clock.now,
            source=ResponseSource.API,
            invitation=lock_invitation(expiring),
        )
    db.session.rollback()
    assert count() == 0
