"""The rules of a survey's settings: bucket ranges as admins read them, embed origins."""

from __future__ import annotations

import dataclasses

import pytest

from surveys.bucketing import DEFAULT_THRESHOLDS, Thresholds
from surveys.followups import DEFAULT_RULES
from surveys.kinds import SurveyKind
from surveys.settings import SurveySettings, bucket_ranges, parse_origins, settings_problems


@pytest.mark.parametrize(
    ("kind", "thresholds", "described"),
    [
        (
            SurveyKind.CSAT,
            DEFAULT_THRESHOLDS[SurveyKind.CSAT],
            ["satisfied: 4-5", "unsatisfied: 1-3"],
        ),
        (SurveyKind.CSAT, Thresholds(5), ["satisfied: 5", "unsatisfied: 1-4"]),
        (SurveyKind.CES, Thresholds(2), ["easy: 2-7", "difficult: 1"]),
        (
            SurveyKind.NPS,
            DEFAULT_THRESHOLDS[SurveyKind.NPS],
            ["promoter: 9-10", "passive: 7-8", "detractor: 0-6"],
        ),
        (SurveyKind.NPS, Thresholds(10, 1), ["promoter: 10", "passive: 1-9", "detractor: 0"]),
    ],
)
def test_bucket_ranges_cover_the_scale(
    kind: SurveyKind, thresholds: Thresholds, described: list[str]
) -> None:
    assert [str(bucket) for bucket in bucket_ranges(kind, thresholds)] == described


def test_origins_are_normalised_and_the_invalid_ones_kept_as_typed() -> None:
    valid, invalid = parse_origins(
        [
            "https://Help.Example.com/",
            "https://help.example.com",
            "http://localhost",
            "http://localhost:65535",
            "http://127.0.0.1:5001",
            "https://a-b.example.com:1",
            "http://help.example.com",
            "https://-bad.example.com",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com/path",
            "https://*.example.com",
            "https://user@example.com",
            "localhost:3000",
            "http://127.0.0.2",
        ]
    )

    assert valid == (
        "https://help.example.com",
        "http://localhost",
        "http://localhost:65535",
        "http://127.0.0.1:5001",
        "https://a-b.example.com:1",
    )
    assert invalid == [
        "http://help.example.com",
        "https://-bad.example.com",
        "https://example.com:0",
        "https://example.com:65536",
        "https://example.com/path",
        "https://*.example.com",
        "https://user@example.com",
        "localhost:3000",
        "http://127.0.0.2",
    ]


def settings(kind: SurveyKind, **changes: object) -> SurveySettings:
    base = SurveySettings(
        name="Survey",
        question="Question?",
        followup_question="",
        company_name="Acme",
        thresholds=DEFAULT_THRESHOLDS[kind],
        delay_seconds=0,
        expiry_days=30,
        fatigue_days=7,
        cadence_days=90 if kind is SurveyKind.NPS else None,
        reminder_days=None,
        enabled=True,
        sender_name="",
        sender_email="",
        accent_color="#1f5fbf",
        logo_url="",
        allowed_origins=(),
        rule=DEFAULT_RULES[kind],
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_the_defaults_of_every_kind_are_valid() -> None:
    assert all(settings_problems(kind, settings(kind)) == {} for kind in SurveyKind)


def test_only_nps_has_and_needs_a_cadence() -> None:
    assert settings_problems(SurveyKind.NPS, settings(SurveyKind.NPS, cadence_days=None)) == {
        "cadence_days": "NPS surveys need a cadence"
    }
    assert settings_problems(SurveyKind.CES, settings(SurveyKind.CES, cadence_days=30)) == {
        "cadence_days": "ces surveys have no cadence"
    }


def test_a_reminder_must_come_before_the_link_expires() -> None:
    late = settings(SurveyKind.CSAT, expiry_days=5, reminder_days=5)
    assert settings_problems(SurveyKind.CSAT, late) == {
        "reminder_days": (
            "must be at least 1 and less than the expiry days, or empty for no reminder"
        )
    }
    assert settings_problems(SurveyKind.CSAT, dataclasses.replace(late, reminder_days=4)) == {}
