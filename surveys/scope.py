"""Whose figures a report is narrowed to: one team's or one agent's (else everyone's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ScopeBy(enum.StrEnum):
    TEAM = "team"
    AGENT = "agent"


@dataclass(frozen=True)
class Scope:
    """One value of the team or agent breakdown, as the rollups key it (the id as text)."""

    by: ScopeBy
    id: int

    @property
    def value(self) -> str:
        return str(self.id)
