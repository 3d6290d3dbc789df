"""Admin pages for what the system sends: the outbox, webhook endpoints, unsubscribes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import (
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import (
    OutboxMessage,
    OutboxStatus,
    Role,
    Unsubscribe,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.models.surveys import REASON_LENGTH
from feedback_app.services import outbox
from feedback_app.services.suppression import (
    add_unsubscribe,
    revoke_unsubscribe,
    unsubscribes_query,
)
from feedback_app.services.webhooks import (
    EVENTS,
    FORMAT_LABELS,
    InvalidEndpoint,
    create_endpoint,
    delete_endpoint,
    queue_test_event,
    rotate_endpoint_secret,
    suggested_format,
    update_endpoint,
)
from feedback_app.web.auth import role_required
from feedback_app.web.listing import SearchForm, page_of, page_url_args
from notifications.webhook import REPLY_KEPT, REPLY_READ_LIMIT
from surveys.kinds import SurveyKind

bp = Blueprint("delivery", __name__, url_prefix="/admin")

#: The outbox page's views: the rows needing attention, or one status.
OUTBOX_VIEWS = {"unsent": outbox.UNSENT, **{s.value: (s,) for s in OutboxStatus}}


#: Deliveries listed on an endpoint's page; older ones are on the outbox page.
LATEST_DELIVERIES = 100
#: The session key naming the endpoint whose secret its page shows in full, once.
SHOW_SECRET = "webhook_secret_shown_for"


@bp.app_template_filter("reply_excerpt")
def reply_excerpt(text: str) -> str:
    """The start of a receiver's reply, at most ``REPLY_KEPT`` characters, for a listing.

    Rows written before replies were cut at that length keep more than it.
    """
    return text if len(text) <= REPLY_KEPT else text[:REPLY_KEPT] + "…"


@bp.app_template_filter("reply_size")
def reply_size(length: int) -> str:
    """A reply's length as counted when it was read (only up to the read limit)."""
    if length > REPLY_READ_LIMIT:
        return f"more than {REPLY_READ_LIMIT:,} bytes"
    return "1 byte" if length == 1 else f"{length:,} bytes"


class ButtonForm(FlaskForm):
    """A POST-only button: nothing but the CSRF token."""


class EndpointForm(FlaskForm):
    url = StringField("URL", validators=[Length(max=2000)])
    description = StringField("Description", validators=[Length(max=200)])
    events = SelectMultipleField(
        "Events",
        choices=[SelectChoice(event, event) for event in EVENTS],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    format = SelectField(
        "Format",
        choices=[SelectChoice(f.value, FORMAT_LABELS[f]) for f in WebhookFormat],
        description="A hooks.slack.com URL takes the Slack message format.",
    )

    def options(self) -> dict[str, Any]:
        """The format and description, as ``create_endpoint`` and ``update_endpoint`` take them."""
        return {
            "format": WebhookFormat(self.format.data),
            "description": self.description.data or "",
        }

    def show_problems(self, error: InvalidEndpoint) -> None:
        for name, problem in error.errors.items():
            getattr(self, name).errors.append(problem)


@bp.get("/outbox")
@role_required(Role.ADMIN)
def outbox_page() -> str:
    view = request.args.get("status", "unsent")
    if view not in OUTBOX_VIEWS:
        view = "unsent"
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status.in_(OUTBOX_VIEWS[view]))
        .order_by(OutboxMessage.id.desc())
    )
    return render_template(
        "admin/outbox.html",
        page=page_of(query),
        view=view,
        views=list(OUTBOX_VIEWS),
        counts=outbox.status_counts(),
        button=ButtonForm(),
        page_url_args=page_url_args,
    )


@bp.post("/outbox/<int:row_id>/retry")
@role_required(Role.ADMIN)
def retry_row(row_id: int) -> WerkzeugResponse:
    """Try one row again now: an unsent email, or any webhook (a re-send keeps its id)."""
    row = db.get_or_404(OutboxMessage, row_id)
    if ButtonForm().validate_on_submit():
        outbox.retry(sa.select(OutboxMessage).where(OutboxMessage.id == row.id), utcnow())
        flash(f"{row.subject} to {row.recipient} will be sent again shortly.", "info")
    if row.endpoint_id is not None:
        return redirect(url_for(".endpoint", endpoint_id=row.endpoint_id))
    return redirect(url_for(".outbox_page"))


@bp.post("/outbox/retry")
@role_required(Role.ADMIN)
def retry_unsent() -> WerkzeugResponse:
    if ButtonForm().validate_on_submit():
        count = outbox.retry_unsent(utcnow())
        flash(f"{count} unsent messages will be sent again shortly.", "info")
    return redirect(url_for(".outbox_page"))


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def webhooks() -> tuple[str, int] | WerkzeugResponse:
    form = EndpointForm()
    status = 200
    if form.validate_on_submit():
        try:
            endpoint = create_endpoint(
                form.url.data or "", form.events.data or [], utcnow(), **form.options()
            )
        except InvalidEndpoint as error:
            form.show_problems(error)
            status = 422
        else:
            audit.record("webhook.created", f"webhook:{endpoint.id}", audit.webhook(endpoint))
            db.session.commit()
            flash("Endpoint added. Give its signing secret to the receiver.", "info")
            _slack_hint(endpoint)
            return _with_secret_shown(endpoint)
    elif form.is_submitted():
        status = 422
    endpoints = db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template(
        "admin/webhooks.html", form=form, endpoints=endpoints, button=ButtonForm()
    ), status


def _with_secret_shown(endpoint: WebhookEndpoint) -> WerkzeugResponse:
    """The endpoint's page, which shows its new secret in full this once.

    The session names the endpoint, never the secret; the page forgets it as it shows it.
    """
    session[SHOW_SECRET] = endpoint.id
    return redirect(url_for(".endpoint", endpoint_id=endpoint.id))


def _slack_hint(endpoint: WebhookEndpoint) -> None:
    """Say so when the URL's receiver needs another format than the one chosen."""
    wanted = suggested_format(endpoint.url)
    if wanted is not None and wanted is not endpoint.format:
        label = FORMAT_LABELS[wanted]
        flash(f"This URL takes the “{label}” format: its receiver refuses any other.", "warning")


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def endpoint(endpoint_id: int) -> tuple[str, int] | WerkzeugResponse:
    """An endpoint's settings (the form edits them) and its latest deliveries."""
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = EndpointForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.format.data = found.format.value
    status = 200
    if form.validate_on_submit():
        try:
            changed = update_endpoint(
                found, form.url.data or "", form.events.data or [], **form.options()
            )
        except InvalidEndpoint as error:
            form.show_problems(error)
            status = 422
        else:
            if changed:
                audit.record(
                    "webhook.changed",
                    f"webhook:{found.id}",
                    audit.webhook(found) | {"fields": changed},
                )
            db.session.commit()
            flash("Endpoint saved." if changed else "Nothing changed.", "info")
            _slack_hint(found)
            return redirect(url_for(".endpoint", endpoint_id=found.id))
    elif form.is_submitted():
        status = 422
    deliveries = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.endpoint_id == found.id)
        .order_by(OutboxMessage.id.desc())
    )
    return render_template(
        "admin/webhook.html",
        endpoint=found,
        form=form,
        show_secret=session.pop(SHOW_SECRET, None) == found.id,
        page=page_of(deliveries, per_page=LATEST_DELIVERIES),
        button=ButtonForm(),
    ), status


@bp.post("/webhooks/<int:endpoint_id>/active")
@role_required(Role.ADMIN)
def toggle_endpoint(endpoint_id: int) -> WerkzeugResponse:
    """Pause an endpoint (its queued deliveries are dead-lettered, new events skip it) or
    resume it."""
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    if ButtonForm().validate_on_submit():
        found.active = not found.active
        audit.record(f"webhook.{'enabled' if found.active else 'disabled'}", f"webhook:{found.id}")
        db.session.commit()
        flash(
            "Endpoint resumed: it gets new events."
            if found.active
            else "Endpoint paused: it gets nothing until it is resumed.",
            "info",
        )
    return redirect(url_for(".endpoint", endpoint_id=found.id))


@bp.post("/webhooks/<int:endpoint_id>/test")
@role_required(Role.ADMIN)
def test_endpoint(endpoint_id: int) -> WerkzeugResponse:
    """Send a test event now, through the outbox like any event, and say how it went."""
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    if ButtonForm().validate_on_submit():
        now = utcnow()
        row = queue_test_event(found, now)
        audit.record("webhook.tested", f"webhook:{found.id}", {"delivery": row.delivery_id})
        db.session.commit()
        outbox.deliver_outbox(now, only=[row.id])
        db.session.refresh(row)
        if row.status is OutboxStatus.SENT:
            flash(f"Test event delivered: the receiver answered {row.response_status}.", "info")
        else:
            flash(f"Test event not delivered: {row.last_error}.", "error")
    return redirect(url_for(".endpoint", endpoint_id=found.id))


@bp.route("/webhooks/<int:endpoint_id>/secret", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def rotate_endpoint(endpoint_id: int) -> str | WerkzeugResponse:
    """After a confirmation, a new signing secret, shown once; the old one stops at once."""
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = ButtonForm()
    if form.validate_on_submit():
        rotate_endpoint_secret(found)
        audit.record("webhook.secret_rotated", f"webhook:{found.id}", audit.webhook(found))
        db.session.commit()
        flash(
            "New signing secret made. Give it to the receiver: deliveries signed with it fail"
            " to verify there until it has it.",
            "info",
        )
        return _with_secret_shown(found)
    return render_template(
        "confirm.html",
        heading=f"Replace the signing secret of {found.url}?",
        consequences=[
            "The current secret stops working at once: the receiver refuses every delivery"
            " until it is given the new one, which is shown once, on the next page."
        ],
        form=form,
        action=url_for(".rotate_endpoint", endpoint_id=found.id),
        button_label="Replace the secret",
        cancel=url_for(".endpoint", endpoint_id=found.id),
    )


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete(endpoint_id: int) -> str | WerkzeugResponse:
    """After a confirmation, delete an endpoint with its deliveries."""
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = ButtonForm()
    if form.validate_on_submit():
        described = audit.webhook(found)
        target = f"webhook:{found.id}"
        delete_endpoint(found)
        audit.record("webhook.deleted", target, described)
        db.session.commit()
        flash("Endpoint deleted, with its deliveries.", "info")
        return redirect(url_for(".webhooks"))
    count = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.endpoint_id == found.id)
    )
    return render_template(
        "confirm.html",
        heading=f"Delete the endpoint {found.url}?",
        consequences=[
            "This cannot be undone. It gets no more events, and its "
            f"{count} {'delivery' if count == 1 else 'deliveries'} (sent or queued) are"
            " deleted with it. To stop deliveries for a while, pause it instead."
        ],
        form=form,
        action=url_for(".delete", endpoint_id=found.id),
        button_label="Delete the endpoint",
        cancel=url_for(".endpoint", endpoint_id=found.id),
    )


class UnsubscribeForm(FlaskForm):
    """An unsubscribe an admin adds by hand, for a customer who asked some other way."""

    email = EmailField("Email", validators=[DataRequired("Enter the customer's email.")])
    kind = SelectField(
        "From",
        default="all",
        choices=[SelectChoice("all", "all surveys")]
        + [SelectChoice(kind.value, kind.value.upper()) for kind in SurveyKind],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Say why, for the record."),
            Length(max=REASON_LENGTH),
        ],
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Say why the customer is to get surveys again."),
            Length(max=REASON_LENGTH),
        ],
    )


@bp.route("/unsubscribes", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def unsubscribes() -> tuple[str, int] | WerkzeugResponse:
    """The opt-outs, searched by the customer's email or name; the form adds one by hand."""
    search = SearchForm("Search by email or name")
    form = UnsubscribeForm()
    status = 200 if search.validate() else 422
    if form.validate_on_submit():
        refused = _add_unsubscribe(form)
        if refused is None:
            return redirect(url_for(".unsubscribes"))
        status = refused
    elif form.is_submitted():
        status = 422
    return render_template(
        "admin/unsubscribes.html",
        page=page_of(unsubscribes_query(search.text())),
        search=search,
        form=form,
        page_url_args=page_url_args,
    ), status


def _add_unsubscribe(form: UnsubscribeForm) -> int | None:
    """Record the form's unsubscribe as the customer's own link would; else put on the form
    why not and return the status saying it (a bad address, or one already unsubscribed)."""
    kind = None if form.kind.data == "all" else SurveyKind(form.kind.data)
    try:
        record, created = add_unsubscribe(
            form.email.data or "", kind, form.reason.data or "", utcnow()
        )
    except ValueError as error:
        form.email.errors.append(f"Not a valid email address: {error}")
        return 422
    email = record.customer.email
    if not created:
        form.email.errors.append(
            f"{email} has been unsubscribed from {_scope(record)} since"
            f" {record.created_at:%Y-%m-%d}."
        )
        return 409
    db.session.commit()
    flash(f"{email} is unsubscribed from {_scope(record)}.", "info")
    return None


def _scope(record: Unsubscribe) -> str:
    return record.kind.value.upper() if record.kind else "all surveys"


@bp.route("/unsubscribes/<int:record_id>/revoke", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def revoke(record_id: int) -> tuple[str, int] | WerkzeugResponse:
    """After a confirmation with a reason, reverse an opt-out (the customer asked to hear
    from us again)."""
    record = db.get_or_404(Unsubscribe, record_id)
    if record.revoked_at is not None:
        abort(409, f"This unsubscribe was reversed on {record.revoked_at:%Y-%m-%d}.")
    form = RevokeForm()
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        revoke_unsubscribe(record, current_user.email, reason, utcnow())
        audit.record(
            "unsubscribe.reversed",
            f"unsubscribe:{record.id}",
            {"customer": record.customer_id, "reason": reason},
        )
        db.session.commit()
        flash(f"{record.customer.email} will receive surveys again.", "info")
        return redirect(url_for(".unsubscribes"))
    return render_template(
        "confirm.html",
        heading=f"Send surveys to {record.customer.email} again?",
        consequences=[
            f"They unsubscribed from {_scope(record)} on {record.created_at:%Y-%m-%d}"
            f" ({record.source}). Only reverse it if they asked to hear from us again."
        ],
        form=form,
        action=url_for(".revoke", record_id=record.id),
        button_label="Send surveys again",
        cancel=url_for(".unsubscribes"),
    ), 422 if form.is_submitted() else 200
