"""The audit tests reuse the follow-up tests' small organisation and their way of answering."""

from __future__ import annotations

from tests.followups.conftest import answer, org, sign_in

__all__ = ["answer", "org", "sign_in"]
