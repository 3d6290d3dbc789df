"""``/admin/audit``: the log for admins, filtered and paged, and the same events as CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from feedback_app.audit.service import (
    ACTIONS,
    CSV_COLUMNS,
    AuditFilters,
    csv_rows,
    events_query,
    key_uses,
)
from feedback_app.clock import utcnow
from feedback_app.models import Role
from feedback_app.web.auth import role_required
from feedback_app.web.csv_export import stream_csv
from feedback_app.web.listing import page_of, page_url_args

bp = Blueprint("audit", __name__, url_prefix="/admin/audit", template_folder="templates")


class AuditFilterForm(FlaskForm):
    """The log's filters; read from the query string, so no CSRF token."""

    actor = StringField("Who", validators=[Length(max=320)])
    action = SelectField(
        "Action",
        default="",
        choices=[
            SelectChoice("", "Any"),
            *(SelectChoice(name, f"{name}: {meaning}") for name, meaning in ACTIONS.items()),
        ],
    )
    target = StringField("Target (e.g. survey:3)", validators=[Length(max=200)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To (included)", validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)

    def validate_since(self, field: DateField) -> None:
        if field.data and self.until.data and field.data > self.until.data:
            raise ValidationError("must not be after the end date")

    def filters(self) -> AuditFilters:
        return AuditFilters(
            actor=(self.actor.data or "").strip(),
            action=self.action.data or "",
            target=(self.target.data or "").strip(),
            since=self.since.data,
            until=self.until.data,
        )


@bp.get("")
@role_required(Role.ADMIN)
def log_page() -> tuple[str, int]:
    """Newest first; a filter that does not parse shows what is wrong and every event."""
    form = AuditFilterForm(request.args)
    valid = form.validate()
    filters = form.filters() if valid else AuditFilters()
    return render_template(
        "audit/log.html",
        form=form,
        page=page_of(events_query(filters)),
        key_uses=key_uses(filters),
        page_url_args=page_url_args,
        export_args={k: v for k, v in request.args.items() if k != "page"},
    ), 200 if valid else 422


@bp.get("/export.csv")
@role_required(Role.ADMIN)
def export() -> WerkzeugResponse | tuple[str, int]:
    """The filtered events as CSV, streamed, every page of them."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return log_page()
    return stream_csv(f"audit-{utcnow():%Y-%m-%d}.csv", CSV_COLUMNS, csv_rows(form.filters()))
