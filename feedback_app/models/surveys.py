"""Surveys, the invitations sent for them, and the responses they collect."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, enum_column
from feedback_app.models.people import Agent, Customer, Interaction, Team
from surveys.bucketing import Bucket, Thresholds
from surveys.channels import MAX_LENGTH as CHANNEL_LENGTH
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.kinds import KIND_SPECS, ScaleSpec, SurveyKind
from surveys.languages import FALLBACK_LANGUAGE

if TYPE_CHECKING:
    from feedback_app.models.followups import FollowUpRuleSettings

#: A SHA-256 digest, in hex.
DIGEST_LENGTH = 64


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The language customers fall back to when their own has no text (see surveys.languages).
    default_language: Mapped[str] = mapped_column(
        sa.String(35), default=FALLBACK_LANGUAGE, server_default=FALLBACK_LANGUAGE
    )
    #: Every text customers read, by field then language tag (``surveys.languages.TEXT_FIELDS``):
    #: ``{"question": {"en": "...", "fr": "..."}}``. ``{company}`` in the question is replaced
    #: by ``company_name``; an empty follow-up question means none.
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(sa.JSON, default=dict)
    company_name: Mapped[str] = mapped_column(sa.String(200))
    satisfied_min: Mapped[int]
    passive_min: Mapped[int | None]
    delay_seconds: Mapped[int] = mapped_column(default=0)
    expiry_days: Mapped[int] = mapped_column(default=30)
    #: Minimum days since the customer's last invitation of any kind before one of this kind.
    fatigue_days: Mapped[int] = mapped_column(default=7)
    #: NPS only: days between two periodic invitations to one customer.
    cadence_days: Mapped[int | None]
    #: Days after sending to remind a non-responder once; None turns reminders off.
    reminder_days: Mapped[int | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Identifies the survey in embed snippets; not a secret.
    public_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Signs customer identities for embeds; shared with the host site's back end only.
    embed_secret: Mapped[str] = mapped_column(sa.String(128))
    #: Space-separated origins allowed to frame the embed, e.g. ``https://help.example.com``.
    allowed_origins: Mapped[str] = mapped_column(sa.Text, default="")
    sender_name: Mapped[str] = mapped_column(sa.String(200), default="")
    sender_email: Mapped[str] = mapped_column(sa.String(320), default="")
    accent_color: Mapped[str] = mapped_column(sa.String(7), default="#1f5fbf")
    logo_url: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime]

    #: The survey's own follow-up rule; None means its kind's default (``rule_for``).
    followup_rule: Mapped[FollowUpRuleSettings | None] = relationship()

    def text_in_default(self, field: str) -> str:
        """One text in the survey's default language; empty when it has none."""
        return (self.texts or {}).get(field, {}).get(self.default_language or FALLBACK_LANGUAGE, "")

    def set_text(self, field: str, language: str, text: str) -> None:
        """Store one version of a text (a new dict, so the JSON change is saved)."""
        texts = dict(self.texts or {})
        texts[field] = {**texts.get(field, {}), language: text}
        self.texts = texts

    @property
    def question(self) -> str:
        """The question in the default language."""
        return self.text_in_default("question")

    @question.setter
    def question(self, text: str) -> None:
        self.set_text("question", self.default_language or FALLBACK_LANGUAGE, text)

    @property
    def followup_question(self) -> str:
        """The follow-up question in the default language; empty for none."""
        return self.text_in_default("followup_question")

    @followup_question.setter
    def followup_question(self, text: str) -> None:
        self.set_text("followup_question", self.default_language or FALLBACK_LANGUAGE, text)

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(satisfied_min=self.satisfied_min, passive_min=self.passive_min)

    @property
    def scale(self) -> ScaleSpec:
        return KIND_SPECS[self.kind]


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    #: Random salt from which the server re-derives the link token (see surveys.tokens).
    token_salt: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 of the link token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(enum_column(InvitationStatus))
    suppression_reason: Mapped[SuppressionReason | None] = mapped_column(
        enum_column(SuppressionReason)
    )
    scheduled_for: Mapped[datetime]
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    survey: Mapped[Survey] = relationship()
    customer: Mapped[Customer] = relationship()
    interaction: Mapped[Interaction | None] = relationship()

    __table_args__ = (
        # The dispatch sweep: scheduled rows due now, oldest first.
        sa.Index("ix_invitations_status_scheduled_for", "status", "scheduled_for"),
        # Fatigue: a customer's latest invitations.
        sa.Index("ix_invitations_customer_created", "customer_id", "created_at"),
        # Response rate: invitations sent in a period, answered or not, read from the index.
        sa.Index("ix_invitations_sent_at", "sent_at", "responded_at"),
    )


class Response(Base):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    #: Empty for anonymous embed answers and imported history.
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="SET NULL"), unique=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind))
    score: Mapped[int]
    #: Filed when the response is written; ``feedback rebucket`` re-files after a change.
    bucket: Mapped[Bucket] = mapped_column(enum_column(Bucket))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    #: Copied from the interaction (or an import) so reports need no join.
    channel: Mapped[str | None] = mapped_column(sa.String(CHANNEL_LENGTH))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    #: How it arrived: page, email, embed, import or api.
    source: Mapped[str] = mapped_column(sa.String(20))
    #: The id in the system it was imported from; imports are idempotent by it.
    source_id: Mapped[str | None] = mapped_column(sa.String(200))
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: Written or changed since the worker last settled it (``services.settling``).
    unsettled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The score as the rollups count it; empty until first settled.
    counted_score: Mapped[int | None]
    #: The choices picked in additional questions as the rollups count them
    #: (``question:choice`` ids); empty until first settled.
    counted_choices: Mapped[list[str] | None] = mapped_column(sa.JSON)
    #: When ``response.created`` went out (``services.announcing``): empty while the customer
    #: may still be answering. With it, what the receivers were last told, so a later change
    #: is described: the score, and digests of the comment and of the additional answers
    #: (empty when there was none), not copies a customer's forgetting would have to reach.
    announced_at: Mapped[datetime | None]
    announced_score: Mapped[int | None]
    announced_comment_digest: Mapped[str | None] = mapped_column(sa.String(DIGEST_LENGTH))
    announced_answers_digest: Mapped[str | None] = mapped_column(sa.String(DIGEST_LENGTH))

    survey: Mapped[Survey] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()
    agent: Mapped[Agent | None] = relationship()
    team: Mapped[Team | None] = relationship()

    __table_args__ = (
        sa.Index("ix_responses_created_at", "created_at"),
        sa.Index("ix_responses_kind_created", "kind", "created_at"),
        # The tagging job: responses written or changed since a pinned theme last looked.
        sa.Index("ix_responses_updated_at_id", "updated_at", "id"),
        sa.Index(
            "ix_responses_unsettled",
            "id",
            postgresql_where=sa.text("unsettled"),
            sqlite_where=sa.text("unsettled"),
        ),
        # The answers whose ``response.created`` waits for the customer to finish.
        sa.Index(
            "ix_responses_unannounced",
            "id",
            postgresql_where=sa.text("announced_at IS NULL"),
            sqlite_where=sa.text("announced_at IS NULL"),
        ),
        sa.UniqueConstraint("survey_id", "source_id", name="uq_responses_survey_source_id"),
    )


#: The longest reason an admin gives for adding or reversing an unsubscribe.
REASON_LENGTH = 500


class Unsubscribe(Base):
    """A customer's opt-out from one survey kind, or from all when ``kind`` is empty."""

    __tablename__ = "unsubscribes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SurveyKind | None] = mapped_column(enum_column(SurveyKind))
    #: Where it came from: link, one-click, api, admin.
    source: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime]
    #: Why an admin added it by hand; None for the customer's own.
    reason: Mapped[str | None] = mapped_column(sa.String(REASON_LENGTH))
    #: Set when an admin reverses it; the row stays as a record.
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(320))
    #: Why the admin reversed it (None for those reversed before a reason was asked).
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(REASON_LENGTH))

    customer: Mapped[Customer] = relationship()
