"""The dashboard's Themes page: the recurring phrases of a selection's comments, pinnable."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.channels.labels import labels_in_use
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import PinnedTheme, Role, Theme
from feedback_app.services.metrics import teams_and_agents
from feedback_app.themes import service
from feedback_app.web.auth import role_required
from feedback_app.web.inputs import Choice, Input, InvalidInput, WholeNumber, read_input
from feedback_app.web.reports import MAX_DAYS, ThemeQuery
from surveys.bucketing import BUCKETS_BY_KIND
from surveys.kinds import SurveyKind

bp = Blueprint("themes", __name__, url_prefix="/dashboard/themes", template_folder="templates")

#: The selection's fields, as the page's links and forms carry them.
SELECTION = ("kind", "since", "until", "bucket", "channel", "team", "agent")


class ThemePageQuery(ThemeQuery):
    """The page's selection: CSAT unless asked otherwise; empty fields do not filter."""

    kind: Annotated[SurveyKind, Choice(SurveyKind)] = SurveyKind.CSAT


class PinForm(Input):
    theme: Annotated[int, WholeNumber(1)]


class UnpinForm(Input):
    tag: Annotated[int, WholeNumber(1)]


def _selection(values: Any) -> dict[str, str]:
    """The non-empty selection fields of ``values`` (the query string or a form)."""
    return {name: values[name] for name in SELECTION if values.get(name)}


@bp.get("")
@role_required(Role.MANAGER)
def index() -> tuple[str, int] | str:
    """The kept themes of the selection (asked of the worker when not kept or old)."""
    now = utcnow()
    try:
        where = read_input(ThemePageQuery, _selection(request.args), from_text=True).where(now)
    except InvalidInput as error:
        return render_template("themes/index.html", errors=error.errors), 422
    teams, agents = teams_and_agents()
    return render_template(
        "themes/index.html",
        errors={},
        report=service.theme_report(where, now),
        pinned=service.pinned_themes(),
        selection=_selection(request.args),
        kinds=list(SurveyKind),
        buckets=BUCKETS_BY_KIND[where.kind],
        channels=labels_in_use(),
        teams=teams,
        agents=agents,
        all_since=now.date() - timedelta(days=MAX_DAYS - 1),
    )


def _back() -> WerkzeugResponse:
    return redirect(url_for("themes.index", **_selection(request.form)))


@bp.post("/pin")
@role_required(Role.MANAGER)
def pin() -> WerkzeugResponse | tuple[str, int]:
    """Pin a kept theme as a tag; back to the page it was pinned from."""
    try:
        form = read_input(PinForm, request.form.to_dict(), from_text=True)
    except InvalidInput as error:
        return render_template("themes/index.html", errors=error.errors), 422
    theme = db.session.get(Theme, form.theme)
    if theme is None:
        abort(404, "That theme is no longer kept: the themes were computed again since.")
    pinned = service.pin_theme(theme, current_user)
    flash(f"“{pinned.label}” is pinned: matching comments are tagged with it.")
    return _back()


@bp.post("/unpin")
@role_required(Role.MANAGER)
def unpin() -> WerkzeugResponse | tuple[str, int]:
    """Unpin a pinned theme, and remove its tags."""
    try:
        form = read_input(UnpinForm, request.form.to_dict(), from_text=True)
    except InvalidInput as error:
        return render_template("themes/index.html", errors=error.errors), 422
    pinned = db.session.get(PinnedTheme, form.tag)
    if pinned is None:
        abort(404, "That theme is not pinned.")
    service.unpin_theme(pinned)
    flash(f"“{pinned.label}” is no longer pinned; its tags are removed.")
    return _back()
