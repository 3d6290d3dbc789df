"""Issuing API keys: the key is shown once, only its hash is kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from feedback_app.extensions import db
from feedback_app.models import ApiKey, ApiScope
from surveys.tokens import hash_token, new_api_key


def issue_api_key(
    name: str, scopes: Iterable[ApiScope], now: datetime, expires_at: datetime | None = None
) -> str:
    """Store a new key with ``scopes`` and return it, the only time it is seen; commits."""
    key = new_api_key()
    db.session.add(
        ApiKey(
            name=name,
            prefix=key[:10],
            key_hash=hash_token(key),
            scopes=" ".join(sorted(set(scopes))),
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.commit()
    return key
