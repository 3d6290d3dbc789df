"""Invitation tokens: unguessable, re-derivable by the server, stored only as a hash.

The raw token is an HMAC of a random per-invitation salt under the app's secret key, so a
leaked database alone reveals no working link, yet a delayed email can still be rendered
long after the invitation was made. Rotating the secret key invalidates outstanding links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SALT_BYTES = 16


def new_salt() -> str:
    """Return a fresh random salt (128 bits, hex)."""
    return secrets.token_hex(SALT_BYTES)


def derive_token(secret_key: str, salt: str) -> str:
    """Return the URL-safe token (256 bits) for ``salt`` under ``secret_key``."""
    digest = hmac.new(secret_key.encode(), f"invitation:{salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """Return the hex SHA-256 under which a token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> str:
    """Return a new API key; shown once, stored via ``hash_token``."""
    return "fbk_" + secrets.token_urlsafe(32)
