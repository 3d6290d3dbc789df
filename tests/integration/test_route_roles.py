"""Who may reach what: every registered URL rule, for every kind of caller.

``ACCESS`` says who each endpoint is for; the walk sends every method of every rule as an
anonymous visitor, as an agent, a manager and an admin signed in, and with an API key of
each scope, and checks the status each must get. A route added without its line in
``ACCESS`` fails the first test, so it cannot ship without a decision about who may use it.

CSRF is off here so that the role checks, not the missing token, answer the forms (CSRF is
tested on its own); refused callers are refused before a view does anything, so sending
them every method is safe, while allowed callers are sent GETs only (what their forms do is
each feature's test).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.models import ApiScope, Role, User
from feedback_app.models.accounts import ROLE_RANK
from feedback_app.web.api.operations import PUBLIC, operation_of
from tests.conftest import TEST_PASSWORD
from tests.delighted.delighted_calls import basic
from tests.every_page import QUERIES, Site, seed_site
from tests.helpers import FrozenClock


class Access(enum.Enum):
    #: Customers and anyone: no sign-in, no key (the link's token or the survey's key rules).
    PUBLIC = "public"
    #: Any signed-in staff account.
    STAFF = "staff"
    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"
    #: An API key with the scope the operation declares.
    API = "api"
    #: A helpdesk's delivery, signed with the connector's secret.
    HOOK = "hook"


A = Access
ACCESS: dict[str, Access] = {
    "static": A.PUBLIC,
    "health.healthz": A.PUBLIC,
    "auth.login": A.PUBLIC,
    "auth.logout": A.STAFF,
    "home.index": A.STAFF,
    "public.survey": A.PUBLIC,
    "public.answer": A.PUBLIC,
    "public.answer_questions": A.PUBLIC,
    "recovery.answer": A.PUBLIC,
    "unsubscribe.choose": A.PUBLIC,
    "unsubscribe.confirm": A.PUBLIC,
    "embed.script": A.PUBLIC,
    "embed.widget": A.PUBLIC,
    "embed.answer": A.PUBLIC,
    "embed.answer_questions": A.PUBLIC,
    "hooks.deliver": A.HOOK,
    "review.queue": A.AGENT,
    "review.interaction": A.AGENT,
    "review.review": A.AGENT,
    "review.acknowledge": A.AGENT,
    "scorecards.me": A.AGENT,
    "dashboard.index": A.MANAGER,
    "dashboard.responses": A.MANAGER,
    "dashboard.interactions": A.MANAGER,
    "dashboard.export_responses": A.MANAGER,
    "dashboard.export_kpis": A.MANAGER,
    "themes.index": A.MANAGER,
    "themes.pin": A.MANAGER,
    "themes.unpin": A.MANAGER,
    "followups.triage": A.MANAGER,
    "followups.case_page": A.MANAGER,
    "followups.message": A.MANAGER,
    "followups.bulk": A.MANAGER,
    "surveys_admin.index": A.ADMIN,
    "surveys_admin.new": A.ADMIN,
    "surveys_admin.settings": A.ADMIN,
    "surveys_admin.rotate_secret": A.ADMIN,
    "surveys_admin.texts": A.ADMIN,
    "delivery.webhooks": A.ADMIN,
    "delivery.endpoint": A.ADMIN,
    "delivery.toggle_endpoint": A.ADMIN,
    "delivery.test_endpoint": A.ADMIN,
    "delivery.rotate_endpoint": A.ADMIN,
    "delivery.delete": A.ADMIN,
    "delivery.outbox_page": A.ADMIN,
    "delivery.retry_row": A.ADMIN,
    "delivery.retry_unsent": A.ADMIN,
    "delivery.unsubscribes": A.ADMIN,
    "delivery.revoke": A.ADMIN,
    "connectors.index": A.ADMIN,
    "connectors.connector": A.ADMIN,
    "connectors.delivery": A.ADMIN,
    "connectors.save_settings": A.ADMIN,
    "connectors.new_secret": A.ADMIN,
    "routing.index": A.ADMIN,
    "review_tags.index": A.ADMIN,
    "review_tags.edit": A.ADMIN,
    "review_tags.move": A.ADMIN,
    "review_tags.archive": A.ADMIN,
    "questions_admin.index": A.ADMIN,
    "questions_admin.edit": A.ADMIN,
    "questions_admin.move": A.ADMIN,
    "questions_admin.delete": A.ADMIN,
    "questions_admin.preview": A.ADMIN,
    "previews.index": A.ADMIN,
    "previews.email": A.ADMIN,
    "previews.page": A.ADMIN,
    "previews.test": A.ADMIN,
    "routing.edit": A.ADMIN,
    "routing.move": A.ADMIN,
    "routing.delete": A.ADMIN,
    "routing.defaults": A.ADMIN,
    "routing.test": A.ADMIN,
    "targets.index": A.MANAGER,
    "targets.edit": A.MANAGER,
    "targets.delete": A.MANAGER,
    "channels.index": A.ADMIN,
    "channels.remove": A.ADMIN,
    "people_admin.index": A.ADMIN,
    "people_admin.show": A.ADMIN,
    "people_admin.export": A.ADMIN,
    "people_admin.forget": A.ADMIN,
    "account.password": A.STAFF,
    "account.forgot": A.PUBLIC,
    "account.set_up": A.PUBLIC,
    "account.reset": A.PUBLIC,
    "accounts_admin.users_page": A.ADMIN,
    "accounts_admin.invite": A.ADMIN,
    "accounts_admin.user_page": A.ADMIN,
    "accounts_admin.toggle_active": A.ADMIN,
    "accounts_admin.resend": A.ADMIN,
    "accounts_admin.teams_page": A.ADMIN,
    "accounts_admin.team_page": A.ADMIN,
    "audit.log_page": A.ADMIN,
    "audit.export": A.ADMIN,
    # The development mailbox: admins, and only in development (404 elsewhere).
    "mailbox.index": A.ADMIN,
    "mailbox.message": A.ADMIN,
    "mailbox.html_part": A.ADMIN,
}
#: GET routes that send a signed-in caller elsewhere by design, and where to.
REDIRECTS = {"auth.login": "/"}
#: Pages an agent may see only for their own work: the walk's row is another agent's.
OWN_WORK = {"review.interaction"}
#: Ids of rows that only forms post to, which the walk's refused callers never reach.
POSTED_IDS = {"row_id": 1, "record_id": 1, "response_id": 1, "identifier": "email:a@example.com"}
#: The APIs, whose operations declare their scope: ours (bearer keys) and the
#: Delighted-compatible one (the same keys, sent as HTTP Basic user names).
API_BLUEPRINTS = ("api.", "delighted.")
STAFF_ROLES = (Role.AGENT, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class Caller:
    """Who sends the requests: a staff role signed in, an API key's scope, or neither."""

    name: str
    role: Role | None = None
    scope: ApiScope | None = None


CALLERS = [
    Caller("anonymous"),
    *(Caller(role.value, role=role) for role in STAFF_ROLES),
    *(Caller(f"{scope.value} key", scope=scope) for scope in ApiScope),
]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": False}


def test_every_endpoint_says_who_it_is_for(app: Flask) -> None:
    """A new endpoint fails here until it has its line in ``ACCESS``."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    under_api = {endpoint for endpoint in endpoints if endpoint.startswith(API_BLUEPRINTS)}
    assert sorted(endpoints - under_api - set(ACCESS)) == []
    assert sorted(set(ACCESS) - endpoints) == []
    assert all(operation_of(app.view_functions[endpoint]) for endpoint in under_api)


def access_of(endpoint: str) -> Access:
    return A.API if endpoint.startswith(API_BLUEPRINTS) else ACCESS[endpoint]


def allowed(caller: Caller, access: Access, app: Flask, endpoint: str) -> bool:
    if access is A.PUBLIC:
        return True
    if access is A.API:
        scope = operation_of(app.view_functions[endpoint]).scope  # type: ignore[union-attr]
        if scope is PUBLIC:
            return True
        return caller.scope is not None and (
            caller.scope is ApiScope.ADMIN or caller.scope == scope
        )
    if access is A.HOOK or caller.role is None:
        return False
    return access is A.STAFF or ROLE_RANK[caller.role] >= ROLE_RANK[Role(access.value)]


def refusal(caller: Caller, access: Access) -> tuple[int, str | None]:
    """The status a refused caller gets, and the start of the ``Location`` if a redirect."""
    if access is A.HOOK:
        return 401, None  # no signature
    if access is A.API:
        return (403, None) if caller.scope is not None else (401, None)
    if caller.role is None:
        return 302, "/login?next="
    return 403, None


def urls(app: Flask, site: Site) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every method of every rule, with real arguments."""
    adapter = app.url_map.bind("feedback.test")
    arguments = {**site.arguments, **POSTED_IDS}
    found = []
    for rule in app.url_map.iter_rules():
        values = {name: arguments[name] for name in rule.arguments}
        values.update(QUERIES.get(rule.endpoint, {}))
        url = adapter.build(rule.endpoint, values)
        if rule.endpoint == "recovery.answer":
            url = site.recovery_path
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return sorted(found)


def client_for(
    app: Flask, caller: Caller, make_user: Callable[..., User], make_key: Callable[..., str]
) -> tuple[FlaskClient, Callable[[str], dict[str, str]]]:
    """A client signed in as the caller's role, and the headers carrying its key to a URL."""
    client = app.test_client()
    if caller.role is not None:
        user = make_user(f"walker-{caller.role.value}@example.com", caller.role.value)
        with app.app_context():
            signed_in = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert signed_in.status_code == 302, signed_in.text
    if caller.scope is None:
        return client, lambda _url: {}
    key = make_key(caller.scope.value, name=caller.name)
    return client, lambda url: basic(key) if url.startswith("/v1/") else bearer(key)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_every_route_answers_each_caller_as_its_access_says(
    app: Flask,
    clock: FrozenClock,
    make_user: Callable[..., User],
    make_api_key: Callable[..., str],
) -> None:
    site = seed_site(clock.now)
    walk = urls(app, site)
    wrong = []
    for caller in CALLERS:
        client, headers = client_for(app, caller, make_user, make_api_key)
        for endpoint, method, url in walk:
            access = access_of(endpoint)
            if allowed(caller, access, app, endpoint):
                if method != "GET":
                    continue
                others = endpoint in OWN_WORK and caller.role is Role.AGENT
                expected = (403, None) if others else (200, None)
                if endpoint in REDIRECTS and caller.role is not None:
                    expected = (302, REDIRECTS[endpoint])
            else:
                expected = refusal(caller, access)
            # Each request in an application context of its own, as in a server: the test's
            # context would keep the first caller's user in ``g`` for all of them.
            with app.app_context():
                answer = client.open(url, method=method, headers=headers(url))
            location = answer.headers.get("Location")
            got = (answer.status_code, location)
            answer.close()
            start = expected[1]
            if got[0] != expected[0] or (
                start is not None and not (location or "").startswith(start)
            ):
                wrong.append(f"{caller.name} {method} {url} ({endpoint}): {got}, not {expected}")
    assert wrong == [], "\n".join(wrong)
