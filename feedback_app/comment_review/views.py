"""Agents' comment review: the responses on their own interactions, to acknowledge and tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import BooleanField, SearchField, SelectField, SelectMultipleField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from feedback_app.clock import utcnow
from feedback_app.comment_review.service import (
    ReviewFilters,
    acknowledge_responses,
    is_own,
    review_query,
    review_response,
    reviews_of,
)
from feedback_app.comment_review.tags import TagError, chosen, offered_to
from feedback_app.delighted.notes_and_tags import from_delighted
from feedback_app.extensions import db
from feedback_app.models import CommentReview, Interaction, Response, ReviewTag, Role
from feedback_app.web.auth import role_required
from feedback_app.web.followup_forms import ANY, options, ticked_id
from feedback_app.web.listing import page_of, page_url_args
from surveys.bucketing import BUCKET_CHOICES, Bucket
from surveys.kinds import SurveyKind

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="templates")
#: The id of the review page's bulk form, that its checkboxes name and its redirect returns to.
ACKNOWLEDGE_FORM = "acknowledge-selected"


class ReviewFilterForm(FlaskForm):
    kind = SelectField(
        "Survey",
        default="",
        choices=options([ANY, *((k.value, k.value.upper()) for k in SurveyKind)]),
    )
    bucket = SelectField("Bucket", default="", choices=options([ANY, *BUCKET_CHOICES]))
    acknowledged = SelectField(
        "Acknowledged",
        default="",
        choices=options([ANY, ("no", "Not yet"), ("yes", "Acknowledged")]),
    )
    tag = SelectField("Tag", default="")
    q = SearchField("Search comments", validators=[Length(max=200)])

    def __init__(self, *args: Any, tags: list[ReviewTag], **kwargs: Any) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)
        self.tag.choices = options([ANY, *((str(tag.id), tag_label(tag)) for tag in tags)])

    def filters(self) -> ReviewFilters:
        return ReviewFilters(
            kind=SurveyKind(self.kind.data) if self.kind.data else None,
            bucket=Bucket(self.bucket.data) if self.bucket.data else None,
            acknowledged={"yes": True, "no": False}.get(self.acknowledged.data or ""),
            tag=int(self.tag.data) if self.tag.data else None,
            search=self.q.data or "",
        )


class ReviewForm(FlaskForm):
    acknowledged = BooleanField("Acknowledged")
    tags = SelectMultipleField(
        "Tags",
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def __init__(self, *args: Any, choices: list[ReviewTag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tags.choices = [(tag.id, tag_label(tag)) for tag in choices]


def tag_label(tag: ReviewTag) -> str:
    return f"{tag.name} (archived)" if tag.archived_at is not None else tag.name


def choices_for(review: CommentReview | None, offered: list[ReviewTag]) -> list[ReviewTag]:
    """The tags a review's form offers: the agent's list, and the tags it already has that
    are not in it (archived since, or another team's), so that saving keeps them unless
    they are unticked."""
    kept = [tag for tag in review.tags if tag not in offered] if review else []
    return offered + kept


class AcknowledgeForm(FlaskForm):
    """Acknowledge the ticked responses of the review page at once."""

    response_ids = SelectMultipleField("Responses", coerce=ticked_id, validate_choice=False)


def list_args() -> dict[str, str]:
    """The review list's filters and page in the query, carried to an interaction page and
    back; nothing else, so that no query argument steers the links built from them."""
    names = (*(field.name for field in ReviewFilterForm(tags=[])), "page")
    return {name: request.args[name] for name in names if name in request.args}


def review_forms(offered: list[ReviewTag]) -> Callable[..., ReviewForm]:
    """What the templates call for one response's acknowledge-and-tag form, filled from its
    review, offering ``offered``; ids unique per page."""

    def review_form(response: Response, review: CommentReview | None) -> ReviewForm:
        return ReviewForm(
            prefix=f"r{response.id}",
            formdata=None,
            choices=choices_for(review, offered),
            acknowledged=review is not None and review.acknowledged_at is not None,
            tags=[tag.id for tag in review.tags] if review else [],
        )

    return review_form


@bp.get("/")
@role_required(Role.AGENT)
def queue() -> tuple[str, int]:
    """The responses on the signed-in agent's interactions, newest first."""
    form = ReviewFilterForm(request.args, tags=offered_to(current_user, archived=True))
    valid = form.validate()
    page = page_of(review_query(current_user, form.filters() if valid else ReviewFilters()))
    reviews = reviews_of(list(page.items))
    return render_template(
        "review/queue.html",
        form=form,
        page=page,
        reviews=reviews,
        delighted=from_delighted(response.id for response in page.items),
        waiting=any(
            response.id not in reviews or reviews[response.id].acknowledged_at is None
            for response in page.items
        ),
        review_form=review_forms(offered_to(current_user)),
        page_url_args=page_url_args,
        acknowledge_form=ACKNOWLEDGE_FORM,
        list_args=list_args(),
    ), 200 if valid else 422


@bp.get("/interactions/<int:interaction_id>")
@role_required(Role.AGENT)
def interaction(interaction_id: int) -> str:
    """An interaction and its responses: for its own agent, and for managers."""
    item = db.session.get(Interaction, interaction_id)
    if item is None:
        abort(404, f"There is no interaction {interaction_id}.")
    if not (is_own(current_user, item) or current_user.has_role(Role.MANAGER)):
        abort(403, "This interaction was handled by another agent.")
    responses = db.session.scalars(
        sa.select(Response)
        .where(Response.interaction_id == item.id)
        .order_by(Response.created_at.desc())
    ).all()
    return render_template(
        "review/interaction.html",
        interaction=item,
        responses=responses,
        reviews=reviews_of(list(responses)),
        delighted=from_delighted(response.id for response in responses),
        review_form=review_forms(offered_to(current_user)),
        own=is_own(current_user, item),
        back=url_for("review.queue", **list_args()),
    )


@bp.post("/responses/<int:response_id>")
@role_required(Role.AGENT)
def review(response_id: int) -> WerkzeugResponse:
    """Acknowledge and tag a response on one of the agent's own interactions."""
    response = db.session.get(Response, response_id)
    if response is None:
        abort(404, f"There is no response {response_id}.")
    if not is_own(current_user, response.interaction):
        abort(403, "Only the agent who handled the interaction can review its comments.")
    review = reviews_of([response]).get(response.id)
    allowed = choices_for(review, offered_to(current_user))
    form = ReviewForm(prefix=f"r{response.id}", choices=allowed)
    try:
        if not form.validate():
            raise TagError("Choose tags from the list.", "tags")
        tags = chosen(form.tags.data or [], allowed)
    except TagError as error:
        flash(str(error), "error")
    else:
        review_response(
            response, current_user, acknowledged=form.acknowledged.data, tags=tags, now=utcnow()
        )
        db.session.commit()
        flash("Review saved.", "info")
    return redirect(_back(request.form.get("next"), f"response-{response.id}"))


@bp.post("/acknowledge")
@role_required(Role.AGENT)
def acknowledge() -> WerkzeugResponse:
    """Acknowledge the ticked responses, all on the agent's own interactions, keeping tags."""
    form = AcknowledgeForm()
    back = _back(request.form.get("next"), ACKNOWLEDGE_FORM)
    if not form.validate() or not form.response_ids.data:
        flash("Tick at least one comment, then acknowledge.", "error")
        return redirect(back)
    ids = set(form.response_ids.data)
    responses = db.session.scalars(sa.select(Response).where(Response.id.in_(ids))).all()
    missing = ids - {response.id for response in responses}
    if missing:
        abort(404, f"There is no response {min(missing)}.")
    if not all(is_own(current_user, response.interaction) for response in responses):
        abort(403, "Only the agent who handled the interaction can review its comments.")
    count = acknowledge_responses(list(responses), current_user, utcnow())
    db.session.commit()
    flash(f"{count} comment{'' if count == 1 else 's'} acknowledged.", "info")
    return redirect(back)


def _back(target: str | None, anchor: str) -> str:
    """Back to the review page the form was on, at ``anchor``; never to another site."""
    if not (target and target.startswith("/review") and "//" not in target):
        target = url_for("review.queue")
    return f"{target}#{anchor}"
