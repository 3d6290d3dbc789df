"""The admin's Routing page: each kind's rules in order, its default survey, and a tester."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import DefaultSurvey, Role, RoutingRule, Survey
from feedback_app.routing.service import (
    add_rule,
    change_rule,
    choose_survey,
    delete_rule,
    move_rule,
    rules_of,
    set_default,
)
from feedback_app.web.auth import role_required
from surveys.kinds import SurveyKind
from surveys.routing import MAX_VALUE, Contact, InvalidRoutingRule, check_conditions

bp = Blueprint("routing", __name__, url_prefix="/admin/routing", template_folder="templates")

KINDS = [SelectChoice(kind.value, kind.value.upper()) for kind in SurveyKind]
#: The conditions' fields, in the order forms and tables show them.
CONDITIONS = (
    "channel",
    "team",
    "source",
    "locale",
    "property_name",
    "property_value",
    "tag",
)


def _text(label: str, description: str) -> StringField:
    return StringField(label, validators=[Length(max=MAX_VALUE)], description=description)


class ConditionsForm(FlaskForm):
    channel = _text("Channel", "As the interaction names it, e.g. chat.")
    team = _text("Team", "The helpdesk's group or mailbox.")
    source = _text("Source", "api for the API, or a connector's id (on its page).")
    locale = _text("Customer locale", "fr matches fr, fr-CA and fr-FR; fr-CA only that.")
    property_name = _text("Customer property", "e.g. brand, plan or region.")
    property_value = _text("Property value", "e.g. Gold.")
    tag = _text("Ticket tag", "One of the ticket's tags, e.g. vip.")

    def raw_conditions(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data for name in CONDITIONS}


class RuleForm(ConditionsForm):
    kind = SelectField("Kind", choices=KINDS)
    survey = SelectField("Survey")

    def fill(self, rule: RoutingRule | None = None) -> None:
        """The surveys to choose (only the rule's kind's for a rule), and its values."""
        query = sa.select(Survey).order_by(Survey.kind, Survey.id)
        if rule is not None:
            query = query.where(Survey.kind == rule.kind)
        self.survey.choices = [
            SelectChoice(str(s.id), f"{s.name} ({s.kind.value.upper()})")
            for s in db.session.scalars(query)
        ]
        if rule is not None and not self.is_submitted():
            self.survey.data = str(rule.survey_id)
            for name in CONDITIONS:
                getattr(self, name).data = getattr(rule, name)

    def survey_id(self) -> int | None:
        return int(self.survey.data) if (self.survey.data or "").isdigit() else None


class DefaultForm(FlaskForm):
    kind = SelectField("Kind", choices=KINDS)
    survey = StringField("Survey")


class TesterForm(ConditionsForm):
    """Read from the query string: trying a contact changes nothing, so it is a GET."""

    class Meta:
        csrf = False

    kind = SelectField("Kind", choices=KINDS)
    tag = StringField(
        "Ticket tags", validators=[Length(max=MAX_VALUE * 5)], description="Separated by commas."
    )

    def contact(self) -> Contact:
        """The interaction tried, as the rules see one."""
        name, value = self.property_name.data, self.property_value.data
        return Contact(
            channel=self.channel.data or None,
            team=self.team.data or None,
            source=self.source.data or None,
            locale=self.locale.data or None,
            properties={name.strip(): value or ""} if name and name.strip() else {},
            tags=tuple(tag.strip() for tag in (self.tag.data or "").split(",") if tag.strip()),
        )


def _saved(form: FlaskForm, save: Callable[[], object], message: str) -> bool:
    """Whether ``save`` took the valid ``form`` (then committed, ``message`` flashed); else
    False, with the problems on the form's fields."""
    if not form.validate_on_submit():
        return False
    try:
        save()
    except InvalidRoutingRule as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        (field.errors if field is not None else form.form_errors).append(error.message)
        return False
    db.session.commit()
    flash(message, "info")
    return True


@dataclass(frozen=True)
class KindRouting:
    """One kind's part of the page."""

    kind: SurveyKind
    rules: list[RoutingRule]
    surveys: list[Survey]
    #: The survey the admin picked as the default; None for the oldest.
    picked: int | None


def _rule(rule_id: int) -> RoutingRule:
    return db.get_or_404(RoutingRule, rule_id)


def _index(form: RuleForm, status: int = 200) -> WerkzeugResponse:
    picked = {row.kind: row.survey_id for row in db.session.scalars(sa.select(DefaultSurvey))}
    surveys = db.session.scalars(sa.select(Survey).order_by(Survey.id)).all()
    kinds = [
        KindRouting(
            kind,
            rules_of(kind),
            [survey for survey in surveys if survey.kind is kind],
            picked.get(kind),
        )
        for kind in SurveyKind
    ]
    return make_response(
        render_template("routing/index.html", kinds=kinds, form=form, tester=TesterForm()),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index() -> WerkzeugResponse:
    form = RuleForm()
    form.fill()
    if _saved(
        form,
        lambda: add_rule(
            SurveyKind(form.kind.data),
            form.survey_id(),
            check_conditions(**form.raw_conditions()),
            utcnow(),
        ),
        "Rule added, last in its kind's order.",
    ):
        return redirect(url_for(".index"))
    return _index(form, 422 if form.is_submitted() else 200)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(rule_id: int) -> WerkzeugResponse:
    rule = _rule(rule_id)
    form = RuleForm()
    form.fill(rule)
    # A rule keeps its kind: the form only shows that kind's surveys.
    form.kind.data = rule.kind.value
    if _saved(
        form,
        lambda: change_rule(
            rule, form.survey_id(), check_conditions(**form.raw_conditions()), utcnow()
        ),
        "Rule saved.",
    ):
        return redirect(url_for(".index"))
    return make_response(
        render_template("routing/edit.html", rule=rule, form=form),
        422 if form.is_submitted() else 200,
    )


@bp.post("/rules/<int:rule_id>/delete")
@role_required(Role.ADMIN)
def delete(rule_id: int) -> WerkzeugResponse:
    delete_rule(_rule(rule_id))
    db.session.commit()
    flash("Rule deleted.", "info")
    return redirect(url_for(".index"))


@bp.post("/rules/<int:rule_id>/move")
@role_required(Role.ADMIN)
def move(rule_id: int) -> WerkzeugResponse:
    rule = _rule(rule_id)
    steps = {"up": -1, "down": 1}
    direction = request.form.get("direction", "")
    if direction not in steps:
        abort(422, description="direction: must be up or down.")
    if move_rule(rule, steps[direction], utcnow()):
        db.session.commit()
    return redirect(url_for(".index", _anchor=f"rule-{rule.id}"))


@bp.post("/defaults")
@role_required(Role.ADMIN)
def defaults() -> WerkzeugResponse:
    form = DefaultForm()
    if not form.validate_on_submit():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        abort(422, description=problems)
    raw = (form.survey.data or "").strip()
    if raw and not raw.isdigit():
        abort(422, description="survey: must be a survey's id, or empty for the oldest.")
    kind = SurveyKind(form.kind.data)
    try:
        set_default(kind, int(raw) if raw else None)
    except InvalidRoutingRule as error:
        db.session.rollback()
        abort(422, description=f"{error.field}: {error.message}.")
    db.session.commit()
    flash(f"The default {kind.value.upper()} survey is saved.", "info")
    return redirect(url_for(".index"))


@bp.get("/test")
@role_required(Role.ADMIN)
def test() -> WerkzeugResponse:
    """Which survey a contact would get, and each rule's verdict on it; writes nothing."""
    form = TesterForm(formdata=request.args or None)
    tried = form.validate() if request.args else False
    kind = SurveyKind(form.kind.data) if tried else None
    contact = form.contact() if tried else None
    page = render_template(
        "routing/test.html",
        form=form,
        routed=choose_survey(kind, contact, utcnow()) if kind and contact else None,
        verdicts=[(rule, rule.conditions.matches(contact)) for rule in rules_of(kind)]
        if kind and contact
        else [],
    )
    # A kind without a survey yet had its default made to be shown; that is not kept.
    db.session.rollback()
    return make_response(page, 422 if form.errors else 200)
