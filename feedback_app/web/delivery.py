"""Admin pages for what the system sends: the outbox, webhook endpoints, unsubscribes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

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
from feedback_app.services import outbox
from feedback_app.services.suppression import revoke_unsubscribe
from feedback_app.services.webhooks import EVENTS, FORMAT_LABELS, InvalidEndpoint, create_endpoint
from feedback_app.web.auth import role_required
from feedback_app.web.listing import page_of, page_url_args
from notifications.webhook import REPLY_KEPT, REPLY_READ_LIMIT

bp = Blueprint("delivery", __name__, url_prefix="/admin")

#: The outbox page's views: the rows needing attention, or one status.
OUTBOX_VIEWS = {"unsent": outbox.UNSENT, **{s.value: (s,) for s in OutboxStatus}}


#: Deliveries listed on an endpoint's page; older ones are on the outbox page.
LATEST_DELIVERIES = 100


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
        choices=[SelectChoice(format.value, FORMAT_LABELS[format]) for format in WebhookFormat],
    )


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
                form.url.data or "",
                form.events.data or [],
                utcnow(),
                format=WebhookFormat(form.format.data),
                description=form.description.data or "",
            )
        except InvalidEndpoint as error:
            for name, problem in error.errors.items():
                getattr(form, name).errors.append(problem)
            status = 422
        else:
            audit.record("webhook.created", f"webhook:{endpoint.id}", audit.webhook(endpoint))
            db.session.commit()
            flash("Endpoint added. Give its signing secret to the receiver.", "info")
            return redirect(url_for(".endpoint", endpoint_id=endpoint.id))
    elif form.is_submitted():
        status = 422
    endpoints = db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template(
        "admin/webhooks.html", form=form, endpoints=endpoints, button=ButtonForm()
    ), status


@bp.get("/webhooks/<int:endpoint_id>")
@role_required(Role.ADMIN)
def endpoint(endpoint_id: int) -> str:
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    deliveries = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.endpoint_id == found.id)
        .order_by(OutboxMessage.id.desc())
    )
    return render_template(
        "admin/webhook.html",
        endpoint=found,
        page=page_of(deliveries, per_page=LATEST_DELIVERIES),
        button=ButtonForm(),
    )


@bp.post("/webhooks/<int:endpoint_id>/active")
@role_required(Role.ADMIN)
def toggle_endpoint(endpoint_id: int) -> WerkzeugResponse:
    """Switch an endpoint off (its queued deliveries are dead-lettered) or back on."""
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    if ButtonForm().validate_on_submit():
        found.active = not found.active
        audit.record(f"webhook.{'enabled' if found.active else 'disabled'}", f"webhook:{found.id}")
        db.session.commit()
        flash(f"Endpoint {'on' if found.active else 'off'}.", "info")
    return redirect(url_for(".endpoint", endpoint_id=found.id))


@bp.get("/unsubscribes")
@role_required(Role.ADMIN)
def unsubscribes() -> str:
    query = sa.select(Unsubscribe).order_by(Unsubscribe.id.desc())
    return render_template(
        "admin/unsubscribes.html",
        page=page_of(query),
        button=ButtonForm(),
        page_url_args=page_url_args,
    )


@bp.post("/unsubscribes/<int:record_id>/revoke")
@role_required(Role.ADMIN)
def revoke(record_id: int) -> WerkzeugResponse:
    """Reverse an opt-out (the customer asked to hear from us again)."""
    record = db.get_or_404(Unsubscribe, record_id)
    if record.revoked_at is not None:
        abort(409)
    if ButtonForm().validate_on_submit():
        revoke_unsubscribe(record, current_user.email, utcnow())
        audit.record(
            "unsubscribe.reversed", f"unsubscribe:{record.id}", {"customer": record.customer_id}
        )
        db.session.commit()
        flash(f"{record.customer.email} will receive surveys again.", "info")
    return redirect(url_for(".unsubscribes"))
