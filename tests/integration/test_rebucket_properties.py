"""Rebucketing agrees with ``classify``: whatever thresholds the surveys move to, from
whatever they were, every stored response and its follow-up case end in the bucket
``classify`` gives, and the count of re-filed responses is the count that changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Invitation, Response, Survey
from feedback_app.services.rebucketing import rebucket_responses
from feedback_app.services.settling import settle_answers
from surveys import SurveyKind, Thresholds, classify
from surveys.kinds import KIND_SPECS
from tests.helpers import FrozenClock, store_answer
from tests.properties import PROPERTIES, VALID_THRESHOLDS

#: The database persists across examples (one app per test), which is the point: each
#: example re-files what the previous thresholds left. Fewer examples, each a few queries.
DATABASE_PROPERTIES = settings(
    PROPERTIES, max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def stored(
    app: Flask, clock: FrozenClock, make_invitation: Callable[..., tuple[Invitation, str]]
) -> dict[SurveyKind, Survey]:
    """One settled answer for every score of every kind, the low ones with their cases."""
    surveys = {}
    for kind in SurveyKind:
        for score in KIND_SPECS[kind].points:
            invitation, _ = make_invitation(kind.value, email=f"{kind.value}{score}@example.com")
            store_answer(invitation, score, clock.now)
            surveys[kind] = invitation.survey
    settle_answers()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpCase))
    return surveys


@DATABASE_PROPERTIES
@given(
    st.fixed_dictionaries({kind: st.sampled_from(VALID_THRESHOLDS[kind]) for kind in SurveyKind})
)
def test_rebucketing_files_every_response_and_case_as_classify_does(
    stored: dict[SurveyKind, Survey], thresholds: dict[SurveyKind, Thresholds]
) -> None:
    before = {
        id_: bucket for id_, bucket in db.session.execute(sa.select(Response.id, Response.bucket))
    }
    for kind, survey in stored.items():
        survey.satisfied_min = thresholds[kind].satisfied_min
        survey.passive_min = thresholds[kind].passive_min
    db.session.commit()

    changed = rebucket_responses()

    db.session.expire_all()
    responses = db.session.scalars(sa.select(Response)).all()
    assert {(r.kind, r.score): r.bucket for r in responses} == {
        (kind, score): classify(kind, score, thresholds[kind])
        for kind in SurveyKind
        for score in KIND_SPECS[kind].points
    }
    moved = [r for r in responses if r.bucket != before[r.id]]
    assert changed == {
        survey_id: sum(r.survey_id == survey_id for r in moved)
        for survey_id in {r.survey_id for r in moved}
    }
    cases = db.session.scalars(sa.select(FollowUpCase)).all()
    assert [(c.score, c.bucket) for c in cases] == [
        (c.score, classify(c.kind, c.score, thresholds[c.kind])) for c in cases
    ]
