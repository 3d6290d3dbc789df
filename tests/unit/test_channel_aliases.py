"""The alias table: raw names to labels, case and spacing ignored, vendors' defaults,
the admins' aliases over them, and ``--channel-map``."""

from __future__ import annotations

import pytest

from surveys.channels import (
    ChannelBook,
    InvalidChannel,
    fold,
    parse_channel_map,
)

BOOK = ChannelBook()


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        # Zendesk ``via``.
        ("web", "Web form"),
        ("email", "Email"),
        ("chat", "Chat"),
        ("voice", "Phone"),
        ("api", "API"),
        ("twitter", "Social media"),
        ("facebook", "Social media"),
        ("whatsapp", "WhatsApp"),
        # Freshdesk's numeric sources.
        ("1", "Email"),
        ("2", "Web form"),
        ("3", "Phone"),
        ("5", "Social media"),
        ("6", "Social media"),
        ("7", "Chat"),
        ("8", "Chat"),
        ("9", "Web form"),
        ("10", "Email"),
        # Help Scout and FreeScout types.
        ("emailfwd", "Email"),
        ("beacon", "Chat"),
        ("phone", "Phone"),
        ("notification", "Other"),
        # The five fixed channels of earlier versions.
        ("social", "Social media"),
        ("other", "Other"),
    ],
)
def test_vendor_defaults(raw: str, label: str) -> None:
    assert BOOK.label(raw) == label


def test_case_and_spacing_are_ignored() -> None:
    assert BOOK.label("  Phone   call (INCOMING) ") == "Phone"
    assert BOOK.label("WHATSAPP") == "WhatsApp"
    assert BOOK.label("web_form") == "Web form"
    assert fold(" Social \t MEDIA ") == fold("social_media") == "social media"


def test_an_unknown_name_is_a_label_as_written_unless_it_folds_to_a_known_one() -> None:
    assert BOOK.label("  Carrier   pigeon ") == "Carrier pigeon"
    book = ChannelBook(labels={"carrier pigeon": "Carrier pigeon"})
    assert book.label("CARRIER_PIGEON") == "Carrier pigeon"
    assert book.is_new("Owl") and not book.is_new("carrier  PIGEON")


def test_no_name_is_other() -> None:
    assert BOOK.label(None) == BOOK.label("   ") == "Other"


def test_the_admins_aliases_win_over_the_defaults() -> None:
    book = ChannelBook(aliases={"twitter": "X", "tg": "Telegram"})
    assert (book.label("Twitter"), book.label("TG"), book.label("facebook")) == (
        "X",
        "Telegram",
        "Social media",
    )


def test_a_renamed_name_takes_its_new_label_without_aliases() -> None:
    book = ChannelBook(labels={"social": "Social"})
    assert book.label("social", renamed=True) == "Social"
    assert book.label("SOCIAL", renamed=True) == "Social"
    assert book.label("social") == "Social media"


def test_a_name_too_long_is_refused() -> None:
    with pytest.raises(InvalidChannel, match="at most 200 characters"):
        BOOK.label("x" * 201)


def test_channel_map() -> None:
    assert parse_channel_map(" Social  media = Social , phone=Calls") == {
        "social media": "Social",
        "phone": "Calls",
    }
    assert parse_channel_map("") == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Social media", "'Social media' must look like NAME=LABEL"),
        ("=Social", "'=Social' must look like NAME=LABEL"),
        ("Social media=", "must look like NAME=LABEL"),
        ("a=b,A=c", "'A' is renamed twice"),
        ("a=" + "x" * 201, "a label is at most 200 characters"),
    ],
)
def test_bad_channel_maps(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(")):
        parse_channel_map(text)
