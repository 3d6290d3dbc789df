"""Re-filing stored responses after a survey's thresholds change."""

from __future__ import annotations

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Response, Survey
from surveys import classify


def rebucket_responses() -> dict[int, int]:
    """Re-file every response, and its follow-up case, by its survey's thresholds; commits.

    Works one score value at a time (at most 11 updates per survey and table), so the bucket
    rule stays in ``surveys.classify`` and a million rows need no Python loop. A case keeps
    the response's current bucket, as when the customer edits the score.

    :returns: the number of responses that changed bucket, by survey id (only surveys with
        changes).
    """
    changed: dict[int, int] = {}
    for survey in db.session.scalars(sa.select(Survey).order_by(Survey.id)):
        for score in survey.scale.points:
            bucket = classify(survey.kind, score, survey.thresholds)
            result = db.session.execute(
                sa.update(Response)
                .where(
                    Response.survey_id == survey.id,
                    Response.score == score,
                    Response.bucket != bucket,
                )
                .values(bucket=bucket)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:
                changed[survey.id] = changed.get(survey.id, 0) + result.rowcount
            db.session.execute(
                sa.update(FollowUpCase)
                .where(
                    FollowUpCase.survey_id == survey.id,
                    FollowUpCase.score == score,
                    FollowUpCase.bucket != bucket,
                )
                .values(bucket=bucket)
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
    return changed
