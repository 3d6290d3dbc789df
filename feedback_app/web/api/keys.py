"""API keys: which key calls, and whether it may do what the operation needs."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import request

from feedback_app.audit.key_use import count_key_use
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiKey, ApiScope
from feedback_app.web.api.answers import iso
from feedback_app.web.api.errors import ApiError
from surveys.tokens import hash_token

#: A key's ``last_used_at`` moves at most this often, so reading the API does not write to
#: the database on every request.
LAST_USED_STEP = timedelta(minutes=1)


#: Built once: every API request runs it.
_BY_HASH = sa.select(ApiKey).where(ApiKey.key_hash == sa.bindparam("key_hash"))


def authenticate(scope: ApiScope) -> ApiKey:
    """The request's bearer key (``Authorization: Bearer <key>``), if it may use ``scope``."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("send your API key as 'Authorization: Bearer <key>'")
    return check_key(secret.strip(), scope)


def check_key(secret: str, scope: ApiScope) -> ApiKey:
    """The key whose text is ``secret``, if it is valid and may use ``scope``; however an API
    takes its keys, every use of one is decided here.

    :raises ApiError: 401 for a key that is unknown, revoked or expired; 403 for a key
        without ``scope`` (an admin key has every scope).
    """
    api_key = db.session.scalar(_BY_HASH, {"key_hash": hash_token(secret)})
    now = utcnow()
    if api_key is None:
        raise _unauthorized("the API key is not valid")
    if api_key.revoked_at is not None:
        raise _unauthorized("the API key has been revoked")
    if api_key.expires_at is not None and api_key.expires_at <= now:
        raise _unauthorized(f"the API key expired at {iso(api_key.expires_at)}")
    _record_use(api_key, now)
    count_key_use(api_key, scope.value)
    if not api_key.allows(scope):
        raise ApiError(
            403,
            f"this key lacks the {scope} scope",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return api_key


def _record_use(api_key: ApiKey, now: datetime) -> None:
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_STEP:
        api_key.last_used_at = now
        db.session.commit()


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="feedback"'})
