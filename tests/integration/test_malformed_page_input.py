"""Malformed input on every public and staff page: a clear 4xx, never a 500, nothing lost.

Each page that reads what a visitor sends is listed in ``PAGES`` with typical input; a test
checks the list against the app's routes, so a new page must say how it is to be poisoned.
Run on PostgreSQL too: it refuses NUL characters in text, which SQLite stores.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.accounts import resets, users
from feedback_app.comment_review.tags import add_tag
from feedback_app.connectors.receiving import receive
from feedback_app.connectors.setup import create_connector
from feedback_app.extensions import db
from feedback_app.models import (
    Agent,
    ConnectorDelivery,
    Customer,
    FollowUpCase,
    Interaction,
    Invitation,
    MailboxMessage,
    OutboxMessage,
    Response,
    Role,
    Team,
    User,
)
from feedback_app.questions.editing import add_question
from feedback_app.routing.service import add_rule
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.suppression import unsubscribe
from feedback_app.services.webhooks import create_endpoint
from feedback_app.targets.service import TargetInput, save_target
from surveys import channels
from surveys.kinds import SurveyKind
from surveys.questions import QuestionDraft, QuestionType
from surveys.routing import Conditions
from surveys.tokens import hash_token
from tests.helpers import PUBLIC_ADDRESS, FrozenClock, TestNames, csrf_from, store_answer

MakeInvitation = Callable[..., tuple[Invitation, str]]
SITE = "https://help.example.com"
RESURVEY_TOKEN = "resurvey-token-for-the-tests"
#: What a refused customer page says, in French: the customer's language.
UNREADABLE_FR = "Votre envoi n'a pas pu être lu"
TOO_LONG_FR = "Votre envoi est trop long"


@dataclass
class World:
    """One of every row a page can be pointed at, and an admin signed in."""

    admin: User
    token: str
    survey_key: str
    survey_id: int
    case_id: int
    response_id: int
    interaction_id: int
    endpoint_id: int
    outbox_id: int
    unsubscribe_id: int
    message_id: int
    connector_id: str
    delivery_id: int
    rule_id: int
    target_id: int
    question_id: int
    user_id: int
    team_id: int
    agent_id: int
    tag_id: int
    setup_token: str
    reset_token: str
    csrf: str

    def ids(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "key": self.survey_key,
            "survey": self.survey_id,
            "case": self.case_id,
            "response": self.response_id,
            "interaction": self.interaction_id,
            "endpoint": self.endpoint_id,
            "outbox": self.outbox_id,
            "unsubscribe": self.unsubscribe_id,
            "message": self.message_id,
            "connector": self.connector_id,
            "delivery": self.delivery_id,
            "rule": self.rule_id,
            "target": self.target_id,
            "question": self.question_id,
            "user": self.user_id,
            "team": self.team_id,
            "agent": self.agent_id,
            "tag": self.tag_id,
            "setup": self.setup_token,
            "reset": self.reset_token,
            "resurvey": RESURVEY_TOKEN,
        }


@pytest.fixture
def world(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: MakeInvitation,
    dns: TestNames,
) -> World:
    dns.answer("hooks.example", [PUBLIC_ADDRESS])
    admin = login("admin")
    team = Team(name="Billing", manager_id=admin.id)
    agent = Agent(email="admin@example.com", name="Admin", team=team)
    customer = Customer(
        email="chloe@example.com", name="Chloé", locale="fr", created_at=clock.now,
        updated_at=clock.now,
    )  # fmt: skip
    interaction = Interaction(
        external_id="T-1", customer=customer, channel=channels.CHAT, agent=agent, team=team,
        created_at=clock.now, updated_at=clock.now,
    )  # fmt: skip
    db.session.add_all([team, agent, customer, interaction])
    db.session.commit()
    answered, _ = make_invitation("csat", email=customer.email, interaction=interaction)
    response = store_answer(answered, 1, clock.now, "Too slow")
    settle_answers()
    case = db.session.scalar(sa.select(FollowUpCase))
    assert case is not None
    case.resurvey_token_hash = hash_token(RESURVEY_TOKEN)
    invitation, token = make_invitation("nps", email=customer.email)
    survey = invitation.survey
    survey.allowed_origins = SITE
    endpoint = create_endpoint("https://hooks.example/in", ["response.created"], clock.now)
    record, _ = unsubscribe(customer, SurveyKind.CES, "link", clock.now)
    connector = create_connector("freshdesk", "Helpdesk", clock.now)
    rule = add_rule(SurveyKind.NPS, survey.id, Conditions(locale="fr"), clock.now)
    target = save_target(TargetInput("csat", 80.0, date(2026, 4, 1)), clock.now)
    question = add_question(
        survey, QuestionDraft(QuestionType.RATING, {"en": "Stars"}, False, frozenset()), clock.now
    )
    db.session.commit()
    receive(connector, {}, b"{}", clock.now)
    colleague = users.invite("new.colleague@example.com", Role.AGENT, "Admin", clock.now)
    resets.request_reset(admin.email, clock.now)
    resets.send_requested_resets(clock.now)
    links = {
        row.purpose: row.payload["text"]
        for row in db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.purpose.in_(["account_setup", "password_reset"])
            )
        )
    }
    deliver_outbox(clock.now)
    return World(
        admin=admin,
        token=token,
        survey_key=survey.public_key,
        survey_id=survey.id,
        case_id=case.id,
        response_id=response.id,
        interaction_id=interaction.id,
        endpoint_id=endpoint.id,
        outbox_id=db.session.scalars(sa.select(OutboxMessage.id)).first() or 0,
        unsubscribe_id=record.id,
        message_id=db.session.scalars(sa.select(MailboxMessage.id)).first() or 0,
        connector_id=connector.id,
        delivery_id=db.session.scalars(sa.select(ConnectorDelivery.id)).one(),
        rule_id=rule.id,
        target_id=target.id,
        question_id=question.id,
        user_id=colleague.id,
        team_id=team.id,
        agent_id=agent.id,
        tag_id=add_tag("Refund", team, clock.now).id,
        setup_token=links["account_setup"].split("/account/setup/")[1].split()[0],
        reset_token=links["password_reset"].split("/account/reset/")[1].split()[0],
        csrf=csrf_from(client.get("/admin/surveys/").text),
    )


@dataclass(frozen=True)
class Page:
    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    #: A customer's page: refusals are the customer's own page, in their language.
    customer: bool = False


PAGES = [
    Page("public.survey", "GET", "/s/{token}", {"score": "9"}, {}, customer=True),
    Page("public.answer", "POST", "/s/{token}", {}, {"score": "9", "comment": "Good"}, True),
    Page("public.answer_questions", "POST", "/s/{token}/questions", {}, {"question-1": "3"}, True),
    Page("embed.widget", "GET", "/embed/{key}", {"origin": SITE, "locale": "fr"}, {}, True),
    Page(
        "embed.answer",
        "POST",
        "/embed/{key}",
        {"origin": SITE, "locale": "fr"},
        {"score": "9", "comment": "Good", "form_token": "t"},
        customer=True,
    ),
    Page(
        "embed.answer_questions",
        "POST",
        "/embed/{key}/questions",
        {"origin": SITE, "locale": "fr"},
        {"question-1": "3", "form_token": "t"},
        customer=True,
    ),
    Page("unsubscribe.choose", "GET", "/u/{token}", {"from": "email"}, {}, customer=True),
    Page("unsubscribe.confirm", "POST", "/u/{token}", {}, {"scope": "all"}, customer=True),
    Page("recovery.answer", "POST", "/r/{resurvey}", {"answer": "yes"}, {"yes": "Yes"}, True),
    Page(
        "auth.login", "POST", "/login", {"next": "/"}, {"email": "a@example.com", "password": "x"}
    ),
    Page("auth.logout", "POST", "/logout", {}, {"next": "/"}),
    Page("home.index", "GET", "/", {"from": "menu"}, {}),
    Page("health.healthz", "GET", "/healthz", {"probe": "lb"}, {}),
    Page("followups.triage", "GET", "/followups/", {"q": "slow", "bucket": "unsatisfied"}, {}),
    Page(
        "followups.bulk",
        "POST",
        "/followups/bulk",
        {},
        {"case_ids": "{case}", "action": "close", "filters": "q=slow"},
    ),
    Page(
        "followups.case_page",
        "POST",
        "/followups/{case}",
        {},
        {"status": "in_progress", "outcome": "", "owner": "none", "note": "Called"},
    ),
    Page(
        "followups.message",
        "POST",
        "/followups/{case}/message",
        {},
        {"message-subject": "Sorry", "message-body": "We are on it"},
    ),
    Page("review.queue", "GET", "/review/", {"q": "slow", "tag": "praise"}, {}),
    Page("scorecards.me", "GET", "/me", {"agent": "{agent}"}, {}),
    Page("review.interaction", "GET", "/review/interactions/{interaction}", {"from": "q"}, {}),
    Page(
        "review.review",
        "POST",
        "/review/responses/{response}",
        {},
        {"r{response}-acknowledged": "y", "r{response}-tags": "praise", "next": "/review/"},
    ),
    Page(
        "review.acknowledge",
        "POST",
        "/review/acknowledge",
        {},
        {"response_ids": "{response}", "next": "/review/"},
    ),
    Page(
        "dashboard.index",
        "GET",
        "/dashboard",
        {"kind": "csat", "group_by": "property", "property": "plan"},
        {},
    ),
    Page(
        "dashboard.responses",
        "GET",
        "/dashboard/responses",
        {"property": "plan", "property_value": "gold", "channel": "chat"},
        {},
    ),
    Page("dashboard.interactions", "GET", "/dashboard/interactions", {"figure": "fcr"}, {}),
    Page(
        "dashboard.export_responses",
        "GET",
        "/dashboard/export/responses.csv",
        {"property": "plan", "property_value": "gold"},
        {},
    ),
    Page("dashboard.export_kpis", "GET", "/dashboard/export/kpis.csv", {"kind": "nps"}, {}),
    Page(
        "themes.index",
        "GET",
        "/dashboard/themes",
        {"kind": "nps", "bucket": "detractor", "channel": "email"},
        {},
    ),
    Page("themes.pin", "POST", "/dashboard/themes/pin", {}, {"theme": "1", "kind": "nps"}),
    Page("themes.unpin", "POST", "/dashboard/themes/unpin", {}, {"tag": "1", "kind": "nps"}),
    Page("delivery.outbox_page", "GET", "/admin/outbox", {"status": "unsent"}, {}),
    Page("delivery.retry_row", "POST", "/admin/outbox/{outbox}/retry", {}, {"go": "1"}),
    Page("delivery.retry_unsent", "POST", "/admin/outbox/retry", {}, {"go": "1"}),
    Page(
        "delivery.webhooks",
        "POST",
        "/admin/webhooks",
        {},
        {
            "url": "https://hooks.example/b",
            "description": "CRM",
            "events": "response.created",
            "format": "standard",
        },
    ),
    Page("delivery.endpoint", "GET", "/admin/webhooks/{endpoint}", {"page": "1"}, {}),
    Page(
        "delivery.endpoint",
        "POST",
        "/admin/webhooks/{endpoint}",
        {},
        {
            "url": "https://hooks.example/c",
            "description": "CRM",
            "events": "response.created",
            "format": "slack",
        },
    ),
    Page("delivery.toggle_endpoint", "POST", "/admin/webhooks/{endpoint}/active", {}, {"go": "1"}),
    Page("delivery.test_endpoint", "POST", "/admin/webhooks/{endpoint}/test", {}, {"go": "1"}),
    Page("delivery.rotate_endpoint", "POST", "/admin/webhooks/{endpoint}/secret", {}, {"go": "1"}),
    Page("delivery.delete", "POST", "/admin/webhooks/{endpoint}/delete", {}, {"go": "1"}),
    Page("delivery.unsubscribes", "GET", "/admin/unsubscribes", {"q": "casey", "page": "1"}, {}),
    Page(
        "delivery.revoke",
        "POST",
        "/admin/unsubscribes/{unsubscribe}/revoke",
        {},
        {"reason": "Asked on the phone"},
    ),
    Page("surveys_admin.index", "GET", "/admin/surveys/", {"sort": "kind"}, {}),
    Page("surveys_admin.new", "POST", "/admin/surveys/new", {}, {"kind": "csat", "name": "More"}),
    Page(
        "surveys_admin.settings",
        "POST",
        "/admin/surveys/{survey}",
        {},
        {"name": "NPS", "question": "Would you?", "company_name": "Acme"},
    ),
    Page("surveys_admin.rotate_secret", "POST", "/admin/surveys/{survey}/secret", {}, {"go": "1"}),
    Page(
        "surveys_admin.texts",
        "POST",
        "/admin/surveys/{survey}/texts",
        {},
        {"default_language": "en", "text-question-en": "Would you?"},
    ),
    Page("mailbox.index", "GET", "/dev/mailbox/", {"q": "acme", "page": "1"}, {}),
    Page("mailbox.message", "GET", "/dev/mailbox/{message}", {"part": "text"}, {}),
    Page("mailbox.html_part", "GET", "/dev/mailbox/{message}/html", {"part": "html"}, {}),
    Page(
        "connectors.index",
        "POST",
        "/admin/connectors/",
        {},
        {"type": "zendesk", "name": "Zendesk", "secret": "from-zendesk"},
    ),
    Page("connectors.connector", "GET", "/admin/connectors/{connector}", {"tab": "setup"}, {}),
    Page(
        "connectors.save_settings",
        "POST",
        "/admin/connectors/{connector}/settings",
        {},
        {"survey": "", "delay_seconds": "60", "skip_tags": "no_survey", "api_url": ""},
    ),
    Page(
        "connectors.new_secret",
        "POST",
        "/admin/connectors/{connector}/secret",
        {},
        {"secret": "a-new-secret"},
    ),
    Page(
        "connectors.delivery",
        "GET",
        "/admin/connectors/{connector}/deliveries/{delivery}",
        {"show": "body"},
        {},
    ),
    Page("channels.index", "POST", "/admin/channels/", {}, {"name": "tg", "label": "Telegram"}),
    Page("channels.remove", "POST", "/admin/channels/remove", {}, {"name": "tg"}),
    Page(
        "audit.log_page",
        "GET",
        "/admin/audit",
        {"actor": "cli", "target": "survey:1", "since": "2026-03-01"},
        {},
    ),
    Page("audit.export", "GET", "/admin/audit/export.csv", {"actor": "cli"}, {}),
    Page("people_admin.index", "GET", "/admin/people", {"from": "menu"}, {}),
    Page(
        "routing.index",
        "POST",
        "/admin/routing/",
        {},
        {
            "kind": "nps",
            "survey": "{survey}",
            "locale": "de",
            "property_name": "plan",
            "property_value": "Gold",
            "tag": "vip",
        },
    ),
    Page(
        "routing.edit",
        "POST",
        "/admin/routing/rules/{rule}",
        {},
        {"survey": "{survey}", "channel": "chat", "team": "Billing", "source": "api"},
    ),
    Page(
        "questions_admin.index",
        "POST",
        "/admin/surveys/{survey}/questions/",
        {"bucket": "x"},
        {"text": "Why?"},
    ),
    Page(
        "questions_admin.edit",
        "POST",
        "/admin/surveys/{survey}/questions/{question}",
        {},
        {"type": "rating", "text": "Stars", "choices": ""},
    ),
    Page(
        "questions_admin.preview",
        "GET",
        "/admin/surveys/{survey}/questions/preview",
        {"bucket": "detractor", "language": "fr"},
        {},
    ),
    Page("previews.index", "GET", "/admin/surveys/{survey}/preview/", {"language": "fr"}, {}),
    Page("previews.email", "GET", "/admin/surveys/{survey}/preview/email", {"language": "x"}, {}),
    Page(
        "previews.page",
        "POST",
        "/admin/surveys/{survey}/preview/page",
        {"language": "fr", "score": "3"},
        {"score": "3", "comment": "Fine"},
    ),
    Page("previews.test", "POST", "/admin/surveys/{survey}/preview/test", {}, {"go": "1"}),
    Page(
        "questions_admin.move",
        "POST",
        "/admin/surveys/{survey}/questions/{question}/move",
        {},
        {"direction": "up"},
    ),
    Page(
        "questions_admin.delete",
        "POST",
        "/admin/surveys/{survey}/questions/{question}/delete",
        {},
        {"go": "1"},
    ),
    Page("routing.move", "POST", "/admin/routing/rules/{rule}/move", {}, {"direction": "up"}),
    Page("review_tags.index", "POST", "/admin/review-tags/", {}, {"name": "Kind", "team": ""}),
    Page("review_tags.edit", "POST", "/admin/review-tags/{tag}", {}, {"name": "Refunds"}),
    Page("review_tags.move", "POST", "/admin/review-tags/{tag}/move", {}, {"direction": "up"}),
    Page("review_tags.archive", "POST", "/admin/review-tags/{tag}/archived", {}, {"go": "1"}),
    Page("routing.delete", "POST", "/admin/routing/rules/{rule}/delete", {}, {"go": "1"}),
    Page("routing.defaults", "POST", "/admin/routing/defaults", {}, {"kind": "nps", "survey": ""}),
    Page(
        "routing.test",
        "GET",
        "/admin/routing/test",
        {"kind": "nps", "locale": "fr", "property_name": "plan", "property_value": "Gold"},
        {},
    ),
    Page(
        "targets.index",
        "POST",
        "/admin/targets/",
        {},
        {"kpi": "fcr", "team": "Billing", "value": "75", "deadline": "2026-06-30"},
    ),
    Page(
        "targets.edit",
        "POST",
        "/admin/targets/{target}",
        {},
        {"kpi": "csat", "team": "", "value": "82.5", "deadline": "2026-05-01"},
    ),
    Page("targets.delete", "POST", "/admin/targets/{target}/delete", {}, {"go": "1"}),
    Page("people_admin.show", "POST", "/admin/people", {}, {"email": "chloe@example.com"}),
    Page("people_admin.export", "POST", "/admin/people/export", {}, {"email": "chloe@example.com"}),
    Page(
        "people_admin.forget",
        "POST",
        "/admin/people/forget",
        {},
        {"email": "chloe@example.com", "confirm": "someone@example.com"},
    ),
    Page("accounts_admin.users_page", "GET", "/admin/users", {"page": "1"}, {}),
    Page(
        "accounts_admin.invite",
        "POST",
        "/admin/users",
        {},
        {"email": "someone.new@example.com", "role": "agent"},
    ),
    Page("accounts_admin.user_page", "POST", "/admin/users/{user}", {}, {"role": "manager"}),
    Page("accounts_admin.toggle_active", "POST", "/admin/users/{user}/active", {}, {"go": "1"}),
    Page("accounts_admin.resend", "POST", "/admin/users/{user}/invitation", {}, {"go": "1"}),
    Page("accounts_admin.teams_page", "POST", "/admin/teams", {}, {"name": "Returns"}),
    Page("accounts_admin.team_page", "POST", "/admin/teams/{team}", {}, {"name": "Billing 2"}),
    Page(
        "account.password",
        "POST",
        "/account/password",
        {},
        {"current": "secret-pass", "password": "a new password", "confirm": "a new password"},
    ),
    Page("account.forgot", "POST", "/login/forgot", {}, {"email": "admin@example.com"}),
    # Last: each signs the browser in as the link's owner.
    Page(
        "account.set_up",
        "POST",
        "/account/setup/{setup}",
        {},
        {"name": "Noor", "password": "a good password", "confirm": "a good password"},
    ),
    Page(
        "account.reset",
        "POST",
        "/account/reset/{reset}",
        {},
        {"password": "a good password", "confirm": "a good password"},
    ),
]
#: Routes that read nothing a visitor sends, and the helpdesks' receiver, whose raw JSON
#: bodies (NUL characters, deep nesting, wrong types) tests/connectors/test_receiving.py sends.
NOT_READING = {"static", "embed.script", "hooks.deliver"}


def fill(template: str, world: World) -> str:
    return template.format(**world.ids())


def send(
    client: FlaskClient,
    world: World,
    page: Page,
    *,
    query: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    path: str | None = None,
    **options: Any,
) -> Any:
    """Send ``page``'s request, with ``query`` and ``form`` in place of its own."""
    address = path or fill(page.path, world)
    params = {fill(k, world): fill(v, world) for k, v in (query or page.query).items()}
    if params:
        address += "?" + urlencode(params)
    if page.method == "GET":
        return client.get(address, **options)
    data = {
        fill(k, world): fill(v, world) if isinstance(v, str) else v
        for k, v in (page.form if form is None else form).items()
    }
    if not page.customer or page.endpoint.startswith("recovery"):
        data.setdefault("csrf_token", world.csrf)
    headers = {"Origin": "http://localhost"}
    return client.post(address, data=data, headers=headers, **options)


def answers() -> list[tuple[int, str]]:
    db.session.expire_all()
    return [(r.score, r.comment) for r in db.session.scalars(sa.select(Response).order_by("id"))]


def test_every_page_reading_input_is_listed(app: Flask) -> None:
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith(("api.", "delighted.")) and rule.endpoint not in NOT_READING
    }
    assert routes == {page.endpoint for page in PAGES}


def test_the_pages_take_their_usual_input(client: FlaskClient, world: World) -> None:
    """The baseline of the poisoned requests below: each is served (or refused for reasons
    of its own), none crashes."""
    for page in PAGES:
        result = send(client, world, page)
        assert result.status_code < 500, page.endpoint


def poisoned(values: dict[str, str]) -> dict[str, str]:
    return {name: value + "\x00" for name, value in values.items() if name != "csrf_token"}


@pytest.mark.parametrize("page", PAGES, ids=[page.endpoint for page in PAGES])
def test_a_nul_character_anywhere_is_a_400_naming_the_field(
    client: FlaskClient, world: World, page: Page
) -> None:
    before = answers()
    query = poisoned(page.query) if page.method == "GET" or not page.form else page.query
    form = poisoned(page.form) if page.form else None

    result = send(client, world, page, query=query, form=form)

    assert result.status_code == 400, result.text
    text = html.unescape(result.text)
    if not page.customer:
        assert "contains a NUL character, which nothing here can hold." in text
    elif page.endpoint == "embed.widget":
        # Its poisoned ?locale= names no language: English.
        assert "It holds a character that cannot be saved." in text
    else:
        assert UNREADABLE_FR in text
        assert "Il contient un caractère qui ne peut pas être enregistré." in text
    assert answers() == before


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p.customer], ids=[p.endpoint for p in PAGES if p.customer]
)
def test_a_customer_is_told_in_their_language(
    client: FlaskClient, world: World, page: Page
) -> None:
    """A NUL in a field, or in a parameter's name, leaves the language to the customer."""
    if page.form:
        result = send(client, world, page, form={**page.form, "comment": "Bien\x00"})
    else:
        result = send(client, world, page, query={**page.query, "from\x00": "email"})

    assert result.status_code == 400
    text = html.unescape(result.text)
    assert '<html lang="fr">' in text
    assert UNREADABLE_FR in text
    if page.endpoint.startswith("embed"):
        assert result.headers["Content-Security-Policy"].endswith(f"frame-ancestors {SITE}")


@pytest.mark.parametrize(
    "path", ["/s/abc%00def", "/u/abc%00", "/r/%00", "/embed/key%00", "/followups/%00"]
)
def test_a_nul_character_in_the_address_is_a_400(
    client: FlaskClient, world: World, path: str
) -> None:
    result = client.get(path)
    assert result.status_code == 400
    if path.startswith("/followups"):
        assert "The address contains a NUL character" in result.text
    else:
        assert "It holds a character that cannot be saved." in result.text


def file_cases() -> list[tuple[Page, str]]:
    """The score and the comment of the answer forms, and the first field of every other."""
    cases = []
    for page in PAGES:
        if page.method != "POST" or not page.form:
            continue
        fields = ["score", "comment"] if "score" in page.form else [next(iter(page.form))]
        cases += [(page, field) for field in fields]
    return cases


@pytest.mark.parametrize(
    ("page", "field"),
    file_cases(),
    ids=[f"{page.endpoint}-{field}" for page, field in file_cases()],
)
def test_a_field_sent_as_a_file_is_a_400_naming_it(
    client: FlaskClient, world: World, page: Page, field: str
) -> None:
    before = answers()
    form: dict[str, Any] = {fill(k, world): v for k, v in page.form.items()}
    form[fill(field, world)] = (io.BytesIO(b"5"), "answer.txt")

    result = send(client, world, page, form=form, content_type="multipart/form-data")

    assert result.status_code == 400, result.text
    text = html.unescape(result.text)
    if page.customer:
        assert UNREADABLE_FR in text
        assert "Il a été envoyé sous forme de fichier." in text
    else:
        assert f"The field “{fill(field, world)}” was sent as a file" in text
    assert answers() == before


BAD_SCORES = ["--1", "²", "٣", "+5", "5.0", "9" * 30, "9" * 5000, "", "11", "-1"]


@pytest.mark.parametrize("score", BAD_SCORES)
def test_a_bad_score_in_a_one_click_link_is_a_400_with_the_page_in_the_customers_language(
    client: FlaskClient, world: World, score: str
) -> None:
    result = client.get(f"/s/{world.token}?score={quote(score)}")

    assert result.status_code == 400
    text = html.unescape(result.text)
    assert '<html lang="fr">' in text
    assert "Cette note ne fait pas partie de l'échelle de cette enquête." in text
    assert "data-autosubmit" not in text
    assert 'name="score"' in text


@pytest.mark.parametrize("score", BAD_SCORES)
def test_a_bad_score_posted_keeps_the_answer_already_given(
    client: FlaskClient, world: World, score: str
) -> None:
    page = client.get(f"/s/{world.token}")
    form = {"csrf_token": csrf_from(page.text), "comment": "Great"}
    assert client.post(f"/s/{world.token}", data={**form, "score": "9"}).status_code == 303

    result = client.post(f"/s/{world.token}", data={**form, "score": score, "comment": "Hm"})

    assert result.status_code == 422
    expected = "Veuillez choisir une note" + ("." if not score else " de 0 à 10.")
    assert expected in html.unescape(result.text)
    assert answers()[-1] == (9, "Great")


@pytest.mark.parametrize("raw", ["99999999999999999999", "9" * 5000, "0", "٣"])
def test_an_id_no_column_holds_is_a_404(client: FlaskClient, world: World, raw: str) -> None:
    checked = 0
    for page in PAGES:
        template = next(
            (part for part in ("{case}", "{response}", "{interaction}", "{survey}",
                               "{endpoint}", "{outbox}", "{unsubscribe}", "{message}",
                               "{delivery}", "{user}", "{team}", "{tag}")
             if part in page.path),
            None,
        )  # fmt: skip
        if template is None:
            continue
        path = page.path.replace(template, raw)
        result = send(client, world, page, path=path, query={})
        assert result.status_code == 404, (page.endpoint, result.status_code)
        checked += 1
    assert checked == 34


LISTINGS = [
    "/followups/",
    "/review/",
    "/admin/outbox",
    "/admin/unsubscribes",
    "/dev/mailbox/",
    "/dashboard/responses",
    "/dashboard/interactions",
    "/admin/webhooks/{endpoint}",
]


@pytest.mark.parametrize("number", [str(10**30), "9" * 5000, "²", "٣", "0", "-1", "two"])
def test_a_page_number_out_of_range_is_a_400_saying_which(
    client: FlaskClient, world: World, number: str
) -> None:
    for listing in LISTINGS:
        result = client.get(fill(listing, world) + "?page=" + quote(number))
        assert result.status_code == 400, listing
        assert "The page number must be a whole number from 1 to 100000." in result.text
    assert client.get("/followups/?page=100000").status_code == 200


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ("/dashboard?since=0001-01-01&until=0001-01-05", "since", "in the years 1970 to 2999"),
        ("/dashboard?since=9999-12-20&until=9999-12-31", "since", "in the years 1970 to 2999"),
        ("/dashboard/responses?until=9999-12-31", "until", "in the years 1970 to 2999"),
        ("/dashboard/interactions?since=0001-01-01", "since", "in the years 1970 to 2999"),
        ("/dashboard/export/kpis.csv?until=0001-01-01", "until", "in the years 1970 to 2999"),
        ("/dashboard/export/responses.csv?since=9999-01-01", "since", "in the years 1970 to 2999"),
        ("/dashboard?survey=" + "9" * 30, "survey", "must be between 1 and 2147483647"),
        ("/dashboard?survey=²", "survey", "must be a positive whole number"),
        ("/dashboard?survey=٣", "survey", "must be a positive whole number"),
        ("/dashboard/responses?team=" + "9" * 5000, "team", "must be between 1 and 2147483647"),
        ("/dashboard/interactions?agent=²", "agent", "must be a positive whole number"),
    ],
)
def test_dashboard_filters_out_of_range_are_named_on_the_page(
    client: FlaskClient, world: World, address: str, field: str, message: str
) -> None:
    result = client.get(address)
    assert result.status_code == 422
    assert field in result.text
    assert message in result.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("opened_from=0001-01-01", "Enter a day from 1970-01-01 to 2999-12-31."),
        ("opened_to=9999-12-31", "Enter a day from 1970-01-01 to 2999-12-31."),
        ("survey=²", "Not a valid choice"),
        ("owner=" + "9" * 30, "Not a valid choice"),
    ],
)
def test_the_queues_filters_out_of_range_come_back_with_their_error(
    client: FlaskClient, world: World, query: str, message: str
) -> None:
    result = client.get("/followups/?" + query)
    assert result.status_code == 422
    assert message in result.text
    assert 'name="opened_from"' in result.text


@pytest.mark.parametrize("case_id", ["9" * 30, "²", "-1"])
def test_bulk_changes_to_cases_no_column_holds_change_nothing(
    client: FlaskClient, world: World, case_id: str
) -> None:
    result = client.post(
        "/followups/bulk",
        data={"csrf_token": world.csrf, "case_ids": [str(world.case_id), case_id],
              "action": "close"},
    )  # fmt: skip
    assert result.status_code == 302
    assert "Tick at least one case" in client.get(result.headers["Location"]).text
    db.session.expire_all()
    assert db.session.get(FollowUpCase, world.case_id).status.value == "open"


@pytest.mark.parametrize("value", ["9" * 30, "9" * 5000, "²", "-5", "1e3"])
def test_survey_settings_out_of_range_come_back_with_their_errors(
    client: FlaskClient, world: World, value: str
) -> None:
    page = client.get(f"/admin/surveys/{world.survey_id}")
    fields = {
        "csrf_token": csrf_from(page.text),
        "name": "NPS", "question": "Would you?", "company_name": "Acme", "enabled": "y",
        "satisfied_min": value, "passive_min": "7", "delay_seconds": value, "expiry_days": value,
        "fatigue_days": value, "cadence_days": value, "reminder_days": value,
        "accent_color": "#1f5fbf", "open_max": value, "high_max": "", "deadline_hours": value,
        "remind_before_hours": "0", "owner_policy": "team_manager",
    }  # fmt: skip

    result = client.post(f"/admin/surveys/{world.survey_id}", data=fields)

    assert result.status_code == 422
    assert 'class="error-summary"' in result.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpCase)) == 1
