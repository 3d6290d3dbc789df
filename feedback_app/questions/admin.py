"""The admin's page of a survey's additional questions: add, edit, reorder, delete, preview.

Texts are edited in the default language (English) with other languages as ``tag=text``
lines; choices as one line each, ``id | text | fr=texte``, so a renamed choice keeps its id
(and its answers) and a line left out retires the choice.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role, Survey
from feedback_app.questions.editing import (
    add_question,
    delete_question,
    move_question,
    update_question,
)
from feedback_app.questions.models import SurveyQuestion
from feedback_app.questions.service import spec_of, survey_questions
from feedback_app.web.answering import customer_page, page_context, questions_context
from feedback_app.web.auth import role_required
from feedback_app.web.delivery import ButtonForm
from feedback_app.web.security_headers import content_security_policy, set_policy
from surveys.bucketing import BUCKETS_BY_KIND, Bucket, bucket_label
from surveys.languages import FALLBACK_LANGUAGE
from surveys.questions import (
    InvalidQuestion,
    QuestionDraft,
    QuestionType,
    Texts,
    parse_buckets,
    questions_for,
)

bp = Blueprint(
    "questions_admin",
    __name__,
    url_prefix="/admin/surveys/<int:survey_id>/questions",
    template_folder="templates",
)

TYPE_LABELS = {
    QuestionType.ONE_CHOICE: "One choice",
    QuestionType.MANY_CHOICES: "Several choices",
    QuestionType.TEXT: "Short text",
    QuestionType.RATING: "Rating from 1 to 5",
}
#: The phone width the preview is shown at.
PREVIEW_WIDTH = 390


class QuestionForm(FlaskForm):
    """One question; ``draft`` turns it into what the rules check."""

    type = SelectField(
        "Type", choices=[SelectChoice(t.value, label) for t, label in TYPE_LABELS.items()]
    )
    text = StringField("Question (English)", validators=[Length(max=500)])
    other_texts = TextAreaField(
        "Other languages",
        description="One per line: a language tag, =, the question in it (fr=Pourquoi ?).",
    )
    required = BooleanField("Required")
    shown_to = SelectMultipleField(
        "Shown to",
        description="Leave all unticked to ask everyone.",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    choices = TextAreaField(
        "Choices",
        description=(
            "One per line: id | English text | fr=other languages. Keep a choice's id to "
            "rename it (its answers stay); write a line without id for a new choice; "
            "a choice left out is retired. Not used for text and rating questions."
        ),
    )

    def __init__(self, survey: Survey, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.shown_to.choices = [
            SelectChoice(bucket.value, bucket_label(bucket, survey.kind))
            for bucket in BUCKETS_BY_KIND[survey.kind]
        ]
        self.survey = survey

    @staticmethod
    def initial(question: SurveyQuestion) -> dict[str, object]:
        """The form's values for a stored question."""
        texts = dict(question.texts)
        lines = []
        for choice in question.choices:
            if not choice.retired:
                choice_texts = dict(choice.texts)
                english = choice_texts.pop(FALLBACK_LANGUAGE, "")
                lines.append(" | ".join([str(choice.id), english, *_tagged(choice_texts)]))
        return {
            "type": question.type.value,
            "text": texts.pop(FALLBACK_LANGUAGE, ""),
            "other_texts": "\n".join(_tagged(texts)),
            "required": question.required,
            "shown_to": list(question.shown_to),
            "choices": "\n".join(lines),
        }

    def draft(self) -> QuestionDraft | None:
        """The question as typed, or None with the problems on the fields."""
        try:
            kind = QuestionType(self.type.data)
            texts = {FALLBACK_LANGUAGE: (self.text.data or "").strip()}
            texts.update(_parse_tagged(self.other_texts.data or "", "other_texts"))
            choices = _parse_choices(self.choices.data or "") if kind.has_choices else ()
            return QuestionDraft(
                kind,
                texts,
                bool(self.required.data),
                parse_buckets(self.survey.kind, self.shown_to.data or []),
                choices,
            )
        except InvalidQuestion as error:
            self.show(error)
            return None

    def show(self, error: InvalidQuestion) -> None:
        """Put a refused question's problem on the field it names."""
        name = (error.field or "text").split(".")[0].split("[")[0]
        field = {"text": self.text, "choices": self.choices, "shown_to": self.shown_to}.get(
            name, getattr(self, name, self.text)
        )
        field.errors = [*field.errors, error.message]


def _tagged(texts: Texts) -> list[str]:
    return [f"{tag}={text}" for tag, text in sorted(texts.items())]


def _parse_tagged(text: str, field: str) -> dict[str, str]:
    """``tag=text`` parts (lines of a field, or a choice line's extra parts) as texts."""
    texts = {}
    for part in text.splitlines():
        if not part.strip():
            continue
        tag, equals, words = part.partition("=")
        if not equals or not tag.strip():
            raise InvalidQuestion(f"write {part.strip()[:40]!r} as a tag, =, the text", field)
        texts[tag.strip()] = words.strip()
    return texts


def _parse_choices(text: str) -> tuple[tuple[int | None, Texts], ...]:
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        choice_id = None
        if parts[0].isascii() and parts[0].isdigit() and len(parts) > 1:
            choice_id, parts = int(parts[0]), parts[1:]
        texts = {FALLBACK_LANGUAGE: parts[0]}
        texts.update(_parse_tagged("\n".join(parts[1:]), "choices"))
        choices.append((choice_id, texts))
    return tuple(choices)


def _survey(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def _question(survey: Survey, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def _preview_bucket(survey: Survey) -> Bucket:
    """The bucket the preview shows, from ``?bucket=`` (the kind's lowest by default)."""
    buckets = BUCKETS_BY_KIND[survey.kind]
    return next((b for b in buckets if b.value == request.args.get("bucket")), buckets[-1])


def _index(survey: Survey, form: QuestionForm, status: int = 200) -> WerkzeugResponse:
    page = render_template(
        "questions/index.html",
        survey=survey,
        questions=survey_questions(survey.id),
        form=form,
        types=TYPE_LABELS,
        buckets=BUCKETS_BY_KIND[survey.kind],
        preview_bucket=_preview_bucket(survey),
        preview_width=PREVIEW_WIDTH,
        bucket_label=bucket_label,
    )
    return set_policy(make_response(page, status), content_security_policy(frame_src="'self'"))


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index(survey_id: int) -> WerkzeugResponse:
    """The list, the add form (posted here) and the preview."""
    survey = _survey(survey_id)
    form = QuestionForm(survey)
    if form.validate_on_submit() and (draft := form.draft()) is not None:
        try:
            add_question(survey, draft, utcnow())
        except InvalidQuestion as error:
            form.show(error)
        else:
            flash("Question added.", "info")
            return redirect(url_for(".index", survey_id=survey.id))
    return _index(survey, form, 422 if form.errors else 200)


@bp.route("/<int:question_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(survey_id: int, question_id: int) -> WerkzeugResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    form = QuestionForm(survey, data=QuestionForm.initial(question))
    if form.validate_on_submit() and (draft := form.draft()) is not None:
        try:
            update_question(question, draft)
        except InvalidQuestion as error:
            form.show(error)
        else:
            flash("Question saved.", "info")
            return redirect(url_for(".index", survey_id=survey.id))
    page = render_template("questions/edit.html", survey=survey, question=question, form=form)
    return make_response(page, 422 if form.errors else 200)


@bp.post("/<int:question_id>/move")
@role_required(Role.ADMIN)
def move(survey_id: int, question_id: int) -> WerkzeugResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    if ButtonForm().validate_on_submit():
        move_question(question, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for(".index", survey_id=survey.id))


@bp.post("/<int:question_id>/delete")
@role_required(Role.ADMIN)
def delete(survey_id: int, question_id: int) -> WerkzeugResponse:
    survey = _survey(survey_id)
    question = _question(survey, question_id)
    if ButtonForm().validate_on_submit():
        delete_question(question)
        flash("Question deleted, with its answers.", "info")
    return redirect(url_for(".index", survey_id=survey.id))


@bp.get("/preview")
@role_required(Role.ADMIN)
def preview(survey_id: int) -> WerkzeugResponse:
    """The questions as a customer in ``?bucket=`` reads them, framed by the admin's page."""
    survey = _survey(survey_id)
    g.locale = request.args.get("language")
    asked = questions_for(
        [spec_of(q) for q in survey_questions(survey.id)], _preview_bucket(survey)
    )
    return customer_page(
        "questions/preview.html",
        ancestors=["'self'"],
        **page_context(survey),
        **questions_context(asked),
    )
