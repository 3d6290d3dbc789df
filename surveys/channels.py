"""Channels as the helpdesk names them: open labels ("Email", "WhatsApp", "Web form"), and
the alias table that turns each helpdesk's own names (Zendesk ``voice``, Freshdesk ``7``)
into one label.

Names are compared folded: case, spacing and underscores ignored, so ``Social  media`` and
``social_media`` are one name. A name no alias knows becomes a label as it is written, unless
it folds to a label already known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from surveys.errors import DomainError

EMAIL = "Email"
CHAT = "Chat"
PHONE = "Phone"
SOCIAL = "Social media"
WHATSAPP = "WhatsApp"
WEB_FORM = "Web form"
API = "API"
SMS = "SMS"
#: The label of an interaction that names no channel.
OTHER = "Other"

#: The most distinct labels: each is a line of the dashboard and a key of the rollups.
MAX_LABELS = 200
#: The longest raw name or label.
MAX_LENGTH = 200

#: The five fixed channels of earlier versions and the labels they became (migration 1002);
#: also aliases, so a script that still posts ``social`` keeps working.
FORMER = {"email": EMAIL, "chat": CHAT, "phone": PHONE, "social": SOCIAL, "other": OTHER}


def fold(name: str) -> str:
    """The name as aliases are looked up: lower-cased, ``_`` as a space, spaces collapsed."""
    return " ".join(name.replace("_", " ").split()).casefold()


def tidy(name: str) -> str:
    """The name as a label is written: its own case, spaces collapsed."""
    return " ".join(name.split())


def _table(labels: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {fold(name): label for label, names in labels.items() for name in names}


#: Raw name (folded) → label: the helpdesks' own values, from shared/reference/helpdesks.md
#: and the connectors' documented payloads. Zendesk ``via`` (web, email, chat, voice, api,
#: twitter, facebook, whatsapp, ...), Freshdesk's numeric ``source`` (1 Email, 2 Portal,
#: 3 Phone, 5 Twitter, 6 Facebook, 7 Chat, 8 Mobihelp, 9 Feedback widget, 10 Outbound
#: email), Help Scout and FreeScout ``type``/``source.type``, Intercom ``source.type``,
#: Front's channel types and Zammad's ``create_article_type``.
DEFAULT_ALIASES: dict[str, str] = {
    **FORMER,
    **_table(
        {
            EMAIL: [
                *("email", "mail", "emailfwd", "custom email", "imap", "gmail", "office365"),
                *("1", "10", "outbound email", "fax"),
            ],
            CHAT: [
                *("chat", "native messaging", "messaging", "sunshine conversations", "beacon"),
                *("intercom", "front chat", "smooch", "conversation", "push", "in app"),
                *("7", "8", "mobihelp", "bot", "telegram", "telegram personal-message"),
            ],
            PHONE: [
                *("voice", "phone", "phone call", "phone call (incoming)", "call"),
                *("phone call (outgoing)", "aircall", "talkdesk", "3"),
            ],
            SOCIAL: [
                *("social media", "twitter", "facebook", "instagram", "instagram dm", "5", "6"),
                *("twitter status", "twitter direct-message", "facebook feed post"),
                "facebook feed comment",
            ],
            WHATSAPP: ["whatsapp", "whatsapp message"],
            WEB_FORM: ["web", "web form", "portal", "2", "9", "feedback widget"],
            API: ["api", "web service"],
            SMS: ["sms"],
            OTHER: ["closed ticket", "notification", "note", "custom", "ecommerce"],
        }
    ),
}


class InvalidChannel(DomainError):
    """A channel name that cannot be a label."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="channel")


class TooManyChannels(InvalidChannel):
    """A new label past ``MAX_LABELS``: the dashboard and rollups stay readable."""

    def __init__(self, raw: str) -> None:
        super().__init__(
            f"{raw!r} would be channel number {MAX_LABELS + 1}; at most {MAX_LABELS} channels "
            "are kept: map it to an existing channel with an alias (Channels page, or "
            "--channel-map)"
        )


@dataclass(frozen=True)
class ChannelBook:
    """The admin's aliases and the labels known; resolves raw names to labels."""

    #: Folded raw name → label, the admin's own: they win over ``DEFAULT_ALIASES``.
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: Folded label → label, every label in use.
    labels: Mapping[str, str] = field(default_factory=dict)

    def alias(self, name: str) -> str | None:
        """The label an alias gives ``name``, the admin's first; None when none does."""
        key = fold(name)
        return self.aliases.get(key) or DEFAULT_ALIASES.get(key)

    def label(self, raw: str | None, *, renamed: bool = False) -> str:
        """The label of raw name ``raw``: its alias, else a known label it folds to, else
        itself. ``renamed``: ``raw`` is already a label (``--channel-map``'s right side),
        so no alias applies. InvalidChannel when it is longer than ``MAX_LENGTH``."""
        if raw is None or not raw.strip():
            return OTHER
        written = tidy(raw)
        if len(written) > MAX_LENGTH:
            raise InvalidChannel(f"must be at most {MAX_LENGTH} characters")
        aliased = None if renamed else self.alias(written)
        label = aliased or written
        return self.labels.get(fold(label), label)

    def is_new(self, label: str) -> bool:
        return fold(label) not in self.labels


def parse_channel_map(text: str) -> dict[str, str]:
    """Parse ``NAME=LABEL,NAME=LABEL`` (names folded) into {name: label}; ValueError if bad."""
    renames: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, label = (tidy(piece) for piece in part.partition("="))
        if not sep or not name or not label:
            raise ValueError(f"{part!r} must look like NAME=LABEL, e.g. Social media=Social")
        if len(label) > MAX_LENGTH:
            raise ValueError(f"{label[:40]!r}…: a label is at most {MAX_LENGTH} characters")
        if fold(name) in renames:
            raise ValueError(f"{name!r} is renamed twice")
        renames[fold(name)] = label
    return renames
