"""Admin pages for surveys: the overview, a new survey, its settings, its texts in each
language and its embed secret."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.languages.service import (
    FIELD_HINTS,
    FIELD_LABELS,
    FieldProblem,
    form_texts,
    form_values,
    language_name,
    language_report,
    problem_fields,
    save_texts,
)
from feedback_app.models import Role, Survey
from feedback_app.services.embed.flood import anonymous_activity
from feedback_app.services.embed.refusals import recent_refusals
from feedback_app.services.survey_settings import (
    add_survey,
    rotate_embed_secret,
    save_settings,
    settings_of,
    survey_rows,
)
from feedback_app.web.auth import role_required
from feedback_app.web.delivery import ButtonForm
from feedback_app.web.survey_forms import NewSurveyForm, SettingsForm
from surveys.bucketing import Thresholds, check_thresholds
from surveys.errors import InvalidThresholds
from surveys.kinds import SurveyKind
from surveys.languages import TEXT_FIELDS
from surveys.settings import InvalidSettings, bucket_ranges

bp = Blueprint("surveys_admin", __name__, url_prefix="/admin/surveys")


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> str:
    return render_template("admin/surveys/index.html", rows=survey_rows())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new() -> tuple[str, int] | WerkzeugResponse:
    form = NewSurveyForm()
    if form.validate_on_submit():
        survey = add_survey(SurveyKind(form.kind.data), form.name.data or "", utcnow())
        flash(f"{survey.name} added with its kind's usual settings; adjust them below.", "info")
        return redirect(url_for(".settings", survey_id=survey.id))
    return render_template("admin/surveys/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:survey_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings(survey_id: int) -> WerkzeugResponse:
    """The settings form; saving new thresholds re-files the stored responses at once."""
    survey = db.get_or_404(Survey, survey_id)
    form = SettingsForm(survey.kind, data=SettingsForm.initial(settings_of(survey)))
    if form.validate_on_submit():
        try:
            moved = save_settings(survey, form.settings(), utcnow())
        except InvalidSettings as error:
            for name, problem in error.errors.items():
                form[name].errors.append(problem)
        else:
            flash("Settings saved.", "info")
            if moved is not None:
                flash(
                    f"New thresholds: {moved} response{'' if moved == 1 else 's'} moved "
                    "to another bucket.",
                    "info",
                )
            return redirect(url_for(".settings", survey_id=survey.id))
    return _settings_page(survey, form, 422 if form.errors else 200)


@bp.post("/<int:survey_id>/texts")
@role_required(Role.ADMIN)
def texts(survey_id: int) -> WerkzeugResponse:
    """Save every text in every language, and the default language, from the texts section."""
    survey = db.get_or_404(Survey, survey_id)
    languages = language_report(survey).languages
    edit = form_texts(request.form, languages)
    problems = edit.problems
    if not problems:
        try:
            save_texts(survey, edit.default_language, edit.texts)
        except InvalidSettings as error:
            problems = error.errors
        else:
            flash("Texts saved.", "info")
            return redirect(url_for(".settings", survey_id=survey.id, _anchor="languages"))
    form = SettingsForm(survey.kind, formdata=None, data=SettingsForm.initial(settings_of(survey)))
    return _settings_page(
        survey,
        form,
        422,
        text_values=request.form.to_dict(),
        text_problems=problem_fields(problems, languages),
    )


def _settings_page(
    survey: Survey,
    form: SettingsForm,
    status: int,
    text_values: dict[str, str] | None = None,
    text_problems: dict[str, FieldProblem] | None = None,
) -> WerkzeugResponse:
    """The settings page, its texts section showing ``text_values`` (else the stored ones)."""
    return make_response(
        render_template(
            "admin/surveys/settings.html",
            survey=survey,
            form=form,
            buckets=bucket_ranges(survey.kind, _shown_thresholds(survey, form)),
            activity=anonymous_activity(survey, utcnow()),
            refusals=recent_refusals(survey, utcnow()),
            languages=language_report(survey),
            text_values=form_values(survey) if text_values is None else text_values,
            text_problems=text_problems or {},
            text_fields=TEXT_FIELDS,
            field_labels=FIELD_LABELS,
            field_hints=FIELD_HINTS,
            language_name=language_name,
        ),
        status,
    )


@bp.post("/<int:survey_id>/secret")
@role_required(Role.ADMIN)
def rotate_secret(survey_id: int) -> WerkzeugResponse:
    """Replace the embed secret; snippets signed with the old one are refused from now on."""
    survey = db.get_or_404(Survey, survey_id)
    if ButtonForm().validate_on_submit():
        rotate_embed_secret(survey)
        flash(
            "New signing secret made. Embeds signed with the old one are refused until your "
            "site signs with the new one.",
            "info",
        )
    return redirect(url_for(".settings", survey_id=survey.id, _anchor="embed"))


def _shown_thresholds(survey: Survey, form: SettingsForm) -> Thresholds:
    """The thresholds in the form if they are usable, else the saved ones."""
    typed = Thresholds(
        satisfied_min=form.satisfied_min.data,
        passive_min=form.passive_min.data if survey.kind is SurveyKind.NPS else None,
    )
    if typed.satisfied_min is None:
        return survey.thresholds
    try:
        return check_thresholds(survey.kind, typed)
    except InvalidThresholds:
        return survey.thresholds
