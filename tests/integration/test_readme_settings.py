"""Every setting the README documents is one production knows, and every setting is documented.

Production refuses unknown ``FEEDBACK_*`` settings (a typo must not fall back to a default
unnoticed), so a setting the README tells admins to set, but the start-up check does not
know, would stop their production start.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import pytest

from feedback_app import create_app
from feedback_app.config import defaults

README = Path(__file__).resolve().parents[2] / "README.md"
#: A row of the configuration table: its first cell names one setting or more.
TABLE_ROW = re.compile(r"^\| (`FEEDBACK_[^|]+) \|", re.MULTILINE)
NAME = re.compile(r"FEEDBACK_([A-Z0-9_]+)")
#: Test hooks and an extension's switch, not settings for an admin.
UNDOCUMENTED = {"CLOCK", "WTF_I18N_ENABLED"}


def names(text: str) -> set[str]:
    """``FEEDBACK_X`` names in ``text``, without the prefix; ``FEEDBACK_SMTP_*`` is not one."""
    return {name for name in NAME.findall(text) if not name.endswith("_")}


def table() -> set[str]:
    return {name for cell in TABLE_ROW.findall(README.read_text()) for name in names(cell)}


def documented() -> list[str]:
    return sorted(table() | names(README.read_text()))


def test_the_configuration_table_is_read() -> None:
    assert {"SECRET_KEY", "DATABASE_URL", "BIND", "WEB_WORKERS", "WEB_THREADS"} <= table()
    assert len(documented()) > len(table()) > 20


def value_for(name: str, instance: Path) -> str:
    """A valid value, as an admin would write it in the environment."""
    chosen = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{instance.parent}/production.sqlite",
        "ENV": "production",
        "WEB_WORKERS": "1",
        "BASE_URL": "https://feedback.example.com",
    }
    if name in chosen:
        return chosen[name]
    default = defaults(str(instance)).get(name, "set")
    if default is None:
        return "2"
    return default if isinstance(default, str) else json.dumps(default)


def read_back(value: str) -> object:
    """What the app reads from an environment variable: JSON where it parses, else text."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def start_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *settings: str) -> None:
    """Start production with ``settings`` set besides the required ones; each one is read."""
    instance = tmp_path / "instance"
    values = {
        name: value_for(name, instance)
        for name in ("ENV", "SECRET_KEY", "DATABASE_URL", "WEB_WORKERS", *settings)
    }
    for name, value in values.items():
        monkeypatch.setenv(f"FEEDBACK_{name}", value)
    app = create_app(instance_path=str(instance))
    known = {name for name in settings if name in app.config}
    assert {name: app.config[name] for name in known} == {
        name: read_back(values[name]) for name in known
    }


@pytest.mark.parametrize("name", documented())
def test_production_starts_with_each_documented_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    start_production(monkeypatch, tmp_path, name)


def test_production_starts_with_every_documented_setting_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    start_production(monkeypatch, tmp_path, *documented())


def test_every_setting_is_documented() -> None:
    assert sorted(set(defaults("instance")) - UNDOCUMENTED - set(documented())) == []
