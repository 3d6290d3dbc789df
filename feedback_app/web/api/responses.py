"""GET /api/v1/responses: stored responses, newest first, filtered and paged."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.models import Response
from feedback_app.services.response_queries import ResponseFilters, responses_query
from feedback_app.web.api import paginated
from feedback_app.web.api.fields import Reader, iso
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind

bp = Blueprint("responses", __name__)


@bp.get("/responses")
def list_responses() -> WerkzeugResponse:
    reader = Reader(request.args)
    since = reader.timestamp("since")
    until = reader.timestamp("until")
    kind = reader.choice("kind", [k.value for k in SurveyKind])
    bucket = reader.choice("bucket", [b.value for b in Bucket])
    reader.check("invalid filters")
    filters = ResponseFilters(
        since=since,
        until=until,
        kind=SurveyKind(kind) if kind else None,
        bucket=Bucket(bucket) if bucket else None,
    )
    return jsonify(paginated(responses_query(filters), response_payload))


def response_payload(response: Response) -> dict[str, Any]:
    return {
        "id": response.id,
        "score": response.score,
        "bucket": response.bucket.value,
        "comment": response.comment,
        "kind": response.kind.value,
        "survey_id": response.survey_id,
        "customer_email": response.customer.email if response.customer else None,
        "interaction_external_id": (
            response.interaction.external_id if response.interaction else None
        ),
        "channel": response.channel.value if response.channel else None,
        "agent_email": response.agent.email if response.agent else None,
        "team": response.team.name if response.team else None,
        "created_at": iso(response.created_at),
        "updated_at": iso(response.updated_at),
    }
