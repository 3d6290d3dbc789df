"""Managers' follow-up pages: the triage queue, bulk actions and the case page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.delighted.notes_and_tags import from_delighted
from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Role
from feedback_app.questions.service import readable_answers
from feedback_app.services.followups import Actor, change_case, write_to_customer
from feedback_app.services.triage import case_query, status_counts
from feedback_app.web.auth import role_required
from feedback_app.web.followup_forms import BulkForm, CaseForm, MessageForm, TriageFilterForm
from feedback_app.web.listing import page_of, page_url_args
from surveys.cases import CaseStatus, InvalidCaseChange, is_overdue

bp = Blueprint("followups", __name__, url_prefix="/followups")


@bp.get("/")
@role_required(Role.MANAGER)
def triage() -> tuple[str, int]:
    """The queue, soonest deadline first, with counts per state for the same filters."""
    form = TriageFilterForm(request.args)
    valid = form.validate()
    filters = form.filters(current_user) if valid else TriageFilterForm().filters(current_user)
    now = utcnow()
    return render_template(
        "followups/triage.html",
        form=form,
        bulk=BulkForm(filters=request.query_string.decode()),
        page=page_of(case_query(filters, now)),
        counts=status_counts(filters, now),
        now=now,
        is_overdue=is_overdue,
        page_url_args=page_url_args,
        statuses=CaseStatus,
    ), 200 if valid else 422


@bp.post("/bulk")
@role_required(Role.MANAGER)
def bulk() -> WerkzeugResponse:
    """Assign or close the ticked cases; cases the change does not fit are left as they are."""
    form = BulkForm()
    back = url_for("followups.triage") + ("?" + form.filters.data if form.filters.data else "")
    if not form.validate() or not form.case_ids.data:
        flash("Tick at least one case, then choose what to do.", "error")
        return redirect(back)
    change = form.change()
    cases = db.session.scalars(
        sa.select(FollowUpCase).where(FollowUpCase.id.in_(form.case_ids.data))
    ).all()
    now, actor = utcnow(), Actor.of(current_user)
    changed, skipped = 0, []
    for case in cases:
        try:
            changed += change_case(case, change, actor, now)
        except InvalidCaseChange as error:
            skipped.append(f"#{case.id}: {error.message}")
    db.session.commit()
    flash(f"{changed} case{'s' if changed != 1 else ''} changed.", "info")
    if skipped:
        flash("Left as they were: " + "; ".join(skipped), "error")
    return redirect(back)


@bp.route("/<int:case_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def case_page(case_id: int) -> tuple[str, int] | WerkzeugResponse:
    """A case: the response, the customer, the timeline, and the forms that move it on."""
    case = _case_or_404(case_id)
    form = CaseForm(case)
    if form.validate_on_submit():
        try:
            changed = change_case(case, form.change(), Actor.of(current_user), utcnow())
        except InvalidCaseChange as error:
            db.session.rollback()
            form[error.field or "status"].errors = [error.message]
        else:
            db.session.commit()
            flash("Case updated." if changed else "Nothing to change.", "info")
            return redirect(url_for("followups.case_page", case_id=case.id))
    return _render_case(case, form, MessageForm(prefix="message"))


@bp.post("/<int:case_id>/message")
@role_required(Role.MANAGER)
def message(case_id: int) -> tuple[str, int] | WerkzeugResponse:
    """Send the customer an email from the case; their reply goes to the writer."""
    case = _case_or_404(case_id)
    form = MessageForm(prefix="message")
    if form.validate_on_submit():
        try:
            write_to_customer(case, current_user, form.subject.data, form.body.data, utcnow())
        except InvalidCaseChange as error:
            db.session.rollback()
            form.body.errors = [error.message]
        else:
            db.session.commit()
            flash(f"Message queued to {case.customer.email}.", "info")  # type: ignore[union-attr]
            return redirect(url_for("followups.case_page", case_id=case.id))
    return _render_case(case, CaseForm(case, formdata=None), form)


def _case_or_404(case_id: int) -> FollowUpCase:
    case = db.session.get(FollowUpCase, case_id)
    if case is None:
        abort(404, f"There is no follow-up case {case_id}.")
    return case


def _render_case(case: FollowUpCase, form: CaseForm, message_form: MessageForm) -> tuple[str, int]:
    now = utcnow()
    failed = bool(form.errors or message_form.errors)
    return render_template(
        "followups/case.html",
        case=case,
        form=form,
        message_form=message_form,
        answers=readable_answers(case.response),
        delighted=from_delighted([case.response_id]).get(case.response_id),
        overdue=is_overdue(case.status, case.due_at, now),
        now=now,
    ), 422 if failed else 200
