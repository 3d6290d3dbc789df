"""The submit benchmark's baseline: the least a web app can do to store an answer.

One Flask endpoint that inserts the same ``responses`` row with SQLAlchemy and redirects, no
CSRF, no validation, no invitation bookkeeping. Served by gunicorn with the same settings as
``feedback serve``, so the ratio shows what the real answer path costs on top of that.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, redirect, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.models import Response
from surveys import Bucket, SurveyKind


def create() -> Flask:
    """Gunicorn entry point: ``baseline_app:create()`` with FEEDBACK_DATABASE_URL set."""
    app = Flask(__name__)
    engine = sa.create_engine(os.environ["FEEDBACK_DATABASE_URL"])

    @app.post("/answer/<int:survey_id>/<int:invitation_id>")
    def answer(survey_id: int, invitation_id: int) -> WerkzeugResponse:
        now = datetime.now(UTC)
        score = int(request.form["score"])
        with Session(engine) as session:
            session.add(
                Response(
                    survey_id=survey_id,
                    invitation_id=invitation_id,
                    kind=SurveyKind.CSAT,
                    score=score,
                    bucket=Bucket.SATISFIED if score >= 4 else Bucket.UNSATISFIED,
                    comment=request.form.get("comment", ""),
                    source="page",
                    created_at=now,
                    updated_at=now,
                )
            )
            session.commit()
        return redirect(f"/thanks/{invitation_id}", 303)

    return app
