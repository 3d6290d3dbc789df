"""The privacy endpoints of the API and the admins' People page: who may, and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Customer, User
from tests.helpers import csrf_from
from tests.privacy.conftest import ANA, Person


def customers() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Customer.email).order_by(Customer.email)))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", f"/api/v1/people/{ANA}/export"), ("DELETE", f"/api/v1/people/{ANA}")],
)
def test_the_endpoints_need_a_key_and_name_bad_addresses(
    client: FlaskClient,
    api_key: str,
    people: Callable[[], dict[str, Person]],
    method: str,
    path: str,
) -> None:
    people()
    assert client.open(path, method=method).status_code == 401
    headers = {"Authorization": f"Bearer {api_key}"}
    unknown = client.open(path.replace(ANA, "nobody@example.com"), method=method, headers=headers)
    assert unknown.status_code == 404
    assert unknown.get_json() == {"error": "not_found", "message": "no customer has this address"}
    for bad in ("not-an-address", "ana%00@example.com", "a" * 400 + "@example.com", "%E2%80%8B"):
        answer = client.open(path.replace(ANA, bad), method=method, headers=headers)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.get_json()["error"] == "invalid"
        assert list(answer.get_json()["errors"]) == ["email"]
    assert customers() == [ANA, "joana@example.com"]
    assert client.open(path, method=method, headers=headers).status_code == 200


def test_managers_cannot_use_the_people_page(
    client: FlaskClient, login: Callable[..., User], people: Callable[[], dict[str, Person]]
) -> None:
    people()
    login("manager")
    token = csrf_from(client.get("/followups/").text)
    assert client.get("/admin/people").status_code == 403
    for path in ("/admin/people", "/admin/people/export", "/admin/people/forget"):
        data = {"csrf_token": token, "email": ANA, "confirm": ANA}
        assert client.post(path, data=data).status_code == 403
    assert customers() == [ANA, "joana@example.com"]


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/admin/people").status_code == 302
    assert client.get("/admin/audit").headers["Location"].startswith("/login")


def test_an_admin_looks_up_exports_and_forgets_after_confirming(
    client: FlaskClient, login: Callable[..., User], people: Callable[[], dict[str, Person]]
) -> None:
    ana = people()[ANA]
    login("admin")
    page = client.get("/admin/people")
    assert page.status_code == 200
    token = csrf_from(page.text)
    assert ANA not in page.text

    shown = client.post("/admin/people", data={"csrf_token": token, "email": " Ana@Example.com "})
    assert shown.status_code == 200
    assert f"<dd>{ana.customer_id}</dd>" in shown.text
    assert "<tr><td>Case events</td><td>5</td><td>deleted</td></tr>" in shown.text
    assert "<tr><td>Interactions</td><td>2</td>" in shown.text

    download = client.post("/admin/people/export", data={"csrf_token": token, "email": ANA})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="customer-{ana.customer_id}.json"'
    )
    assert download.headers["Cache-Control"] == "no-store"
    assert json.loads(download.data)["customer"]["email"] == ANA

    confirm = client.post("/admin/people/forget", data={"csrf_token": token, "email": ANA})
    assert confirm.status_code == 200
    assert f"<h1>Forget {ANA}?</h1>" in confirm.text
    assert "<tr><td>Webhook deliveries</td><td>5</td><td>deleted</td></tr>" in confirm.text
    assert customers() == [ANA, "joana@example.com"]

    wrong = client.post(
        "/admin/people/forget",
        data={"csrf_token": token, "email": ANA, "confirm": "joana@example.com"},
    )
    assert wrong.status_code == 422
    assert "This is not the address being forgotten." in wrong.text
    assert customers() == [ANA, "joana@example.com"]

    done = client.post(
        "/admin/people/forget", data={"csrf_token": token, "email": ANA, "confirm": ANA.upper()}
    )
    assert done.status_code == 302
    assert customers() == ["joana@example.com"]
    after = client.get(done.headers["Location"]).text
    assert f"Customer {ana.customer_id} is forgotten: 1 customer, 1 invitations" in after
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.target == f"customer:{ana.customer_id}")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["person.viewed", "person.exported", "person.forgotten"]


@pytest.mark.parametrize(
    ("email", "status", "message"),
    [
        ("nobody@example.com", 404, "No customer has this address."),
        ("nobody", 422, "An email address must have an @-sign."),
        ("", 422, "This field is required."),
    ],
)
def test_the_page_names_an_unknown_or_invalid_address(
    client: FlaskClient, login: Callable[..., User], email: str, status: int, message: str
) -> None:
    login("admin")
    token = csrf_from(client.get("/admin/people").text)
    for path in ("/admin/people", "/admin/people/export", "/admin/people/forget"):
        answer = client.post(path, data={"csrf_token": token, "email": email})
        assert answer.status_code == status, path
        assert message in answer.text


def test_the_page_refuses_a_post_without_its_csrf_token(
    client: FlaskClient, login: Callable[..., User], people: Callable[[], dict[str, Person]]
) -> None:
    people()
    login("admin")
    answer = client.post("/admin/people/forget", data={"email": ANA, "confirm": ANA})
    assert answer.status_code == 400
    assert customers() == [ANA, "joana@example.com"]
