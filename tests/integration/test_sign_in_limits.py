"""Password guessing is limited per account and client address, and, slower, per account.

The pair limit stops one address guessing; the account limit stops many addresses sharing
the guesses. Neither lets an attacker lock the real user out at their own address: only
the slower account limit, which takes many more guesses to spend, could.

Behind a reverse proxy the client's address comes from X-Forwarded-For, and only when the
proxy is declared (``PROXY_HOPS``): otherwise anyone could pick a fresh address per guess.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import User
from tests import helpers
from tests.conftest import TEST_PASSWORD
from tests.helpers import free_port

PAIR_LIMIT = "3 per hour"
ACCOUNT_LIMIT = "5 per hour"


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """Low limits, and the test's own settings when it is parametrized on ``app_config``."""
    return {
        **app_config,
        "PASSWORD_ATTEMPTS_LIMIT": PAIR_LIMIT,
        "PASSWORD_ACCOUNT_ATTEMPTS_LIMIT": ACCOUNT_LIMIT,
        **getattr(request, "param", {}),
    }


def sign_in(client: FlaskClient, email: str, password: str = "wrong-guess", **headers: str) -> Any:
    return helpers.sign_in(client, email, password, **headers)


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_guesses_beyond_the_limit_are_refused_even_with_the_right_password(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    client = client_at(app, "198.51.100.7")
    assert [sign_in(client, user.email).status_code for _ in range(3)] == [401] * 3

    refused = sign_in(client, user.email, TEST_PASSWORD)

    assert refused.status_code == 429
    assert "Too many sign-in attempts for this account. Try again in 60 minutes." in (refused.text)
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    with app.app_context():
        assert client.get("/followups/").status_code == 302  # still not signed in


def test_an_attacker_elsewhere_cannot_lock_the_real_user_out_at_their_own_address(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    attacker, real_user = client_at(app, "203.0.113.66"), client_at(app, "198.51.100.7")
    assert [sign_in(attacker, user.email).status_code for _ in range(4)] == [401] * 3 + [429]

    assert sign_in(real_user, user.email, TEST_PASSWORD).status_code == 302


def test_the_slower_account_limit_counts_guesses_from_every_address(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    statuses = [sign_in(client_at(app, f"203.0.113.{n}"), user.email).status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    # The account is spent, not the addresses: they may still try other accounts.
    assert sign_in(client_at(app, "203.0.113.0"), "other@example.com").status_code == 401


def test_each_account_has_its_own_count_at_one_address(app: Flask) -> None:
    client = client_at(app, "198.51.100.7")
    for email in ("a@example.com", "b@example.com", "a@example.com", "A@Example.com "):
        assert sign_in(client, email).status_code == 401
    # "a" was tried three times, whatever the case and spaces: it is spent here, "b" is not.
    assert sign_in(client, "a@example.com").status_code == 429
    assert sign_in(client, "b@example.com").status_code == 401


def test_a_forwarded_address_is_ignored_without_a_declared_proxy(app: Flask) -> None:
    client = client_at(app, "127.0.0.1")
    for n in range(3):
        forged = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert sign_in(client, "a@example.com", **forged).status_code == 401
    forged = {"X-Forwarded-For": "192.0.2.99"}
    assert sign_in(client, "a@example.com", **forged).status_code == 429


@pytest.mark.parametrize("app_config", [{"PROXY_HOPS": 1}], indirect=True)
def test_behind_a_declared_proxy_each_forwarded_address_counts_apart(app: Flask) -> None:
    proxy = client_at(app, "127.0.0.1")
    first = {"X-Forwarded-For": "192.0.2.1"}
    assert [sign_in(proxy, "a@example.com", **first).status_code for _ in range(4)] == [
        *[401] * 3,
        429,
    ]
    other = {"X-Forwarded-For": "192.0.2.2"}
    assert sign_in(proxy, "a@example.com", **other).status_code == 401


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_web_processes_share_counts_through_redis(
    app_config: dict[str, Any], tmp_path: Any
) -> None:
    """Two apps (as two web processes) with one Redis: the second continues the count."""
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    from feedback_app import create_app

    shared = {**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    # An address and an account of this run only, so earlier runs' counts never interfere.
    run = uuid.uuid4()
    address = f"10.{run.bytes[0]}.{run.bytes[1]}.{run.bytes[2]}"
    statuses = []
    for process in ("one", "two"):
        app = create_app(shared, instance_path=str(tmp_path / process))
        client = client_at(app, address)
        statuses += [sign_in(client, f"{run}@example.com").status_code for _ in range(2)]
        with app.app_context():
            db.engine.dispose()
    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}"}], indirect=True
)
def test_sign_in_still_works_when_the_count_store_is_down(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    client = client_at(app, "198.51.100.7")
    assert sign_in(client, user.email, TEST_PASSWORD).status_code == 302
