"""The submit and ingest benchmarks' baseline: the least a web app can do to store an answer
or an interaction.

Flask endpoints that insert the same ``responses`` (or ``interactions``) row with SQLAlchemy
and answer, no CSRF, no validation, no authentication, no invitation bookkeeping. Served by
gunicorn with the same settings as ``feedback serve``, so the ratio shows what the real path
costs on top of that.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, redirect, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.models import Interaction, Response
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

    @app.post("/interactions")
    def interaction() -> tuple[dict[str, int], int]:
        """The ingest benchmark's baseline: the same ``interactions`` row, and nothing else."""
        now = datetime.now(UTC)
        body = request.get_json()
        with Session(engine) as session:
            row = Interaction(
                external_id=body["external_id"],
                channel=body["channel"],
                opened_at=datetime.fromisoformat(body["opened_at"]),
                resolved_at=datetime.fromisoformat(body["resolved_at"]),
                handle_seconds=body["handle_seconds"],
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.commit()
            return {"interaction_id": row.id}, 202

    return app
