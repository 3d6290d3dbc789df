"""A survey's additional questions, their choices, and each response's answers to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, enum_column
from surveys.questions import QuestionType


class SurveyQuestion(Base):
    """One question asked after the score, at ``position`` in the survey's list."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    #: Order on the page, from 0; rewritten whole when an admin reorders.
    position: Mapped[int]
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType))
    #: The question's text by language tag: ``{"en": "...", "fr": "..."}``.
    texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    #: Bucket values it is shown to; empty for everyone.
    shown_to: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime]

    choices: Mapped[list[QuestionChoice]] = relationship(
        order_by="QuestionChoice.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class QuestionChoice(Base):
    """One choice of a question; its id is what answers keep, whatever its text becomes."""

    __tablename__ = "question_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    #: The choice's text by language tag.
    texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: Removed by an admin: no longer offered, kept for the answers that picked it.
    retired: Mapped[bool] = mapped_column(default=False)


class ResponseAnswer(Base):
    """A response's answer to one question: a row per picked choice, or one text or rating."""

    __tablename__ = "response_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE")
    )
    choice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_choices.id", ondelete="CASCADE")
    )
    text: Mapped[str | None] = mapped_column(sa.Text)
    rating: Mapped[int | None]

    __table_args__ = (
        # The triage queue's reason filter and the breakdown check: answers picking a choice.
        sa.Index("ix_response_answers_question_choice", "question_id", "choice_id"),
    )
