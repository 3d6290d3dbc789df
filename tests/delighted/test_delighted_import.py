"""``feedback import-delighted``: a Delighted account's export (CSV files written as its
export wrote them) or a JSON dump made with its client, imported once however often it is
run, and read back through ``/v1/`` as Delighted's clients would."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import (
    Customer,
    DelightedPerson,
    DelightedResponse,
    Invitation,
    Response,
    ScoreRollup,
    Unsubscribe,
)
from feedback_app.privacy.forget import forget_person
from tests.delighted.delighted_calls import Delighted
from tests.helpers import FrozenClock

EXPORT = Path(__file__).parent / "export"
CSV_FILES = ["survey_responses.csv", "bounces.csv", "people.csv", "unsubscribes.csv"]


def run(runner: FlaskCliRunner, *files: str) -> tuple[int, str, list[str]]:
    result = runner.invoke(args=["import-delighted", *(str(EXPORT / name) for name in files)])
    return result.exit_code, result.stdout, result.stderr.splitlines()


def people() -> dict[str, tuple[str, str | None, dict[str, str]]]:
    """Each customer's name, Delighted id and properties, by email."""
    db.session.expire_all()
    links = dict(db.session.execute(sa.select(DelightedPerson.customer_id,
                                              DelightedPerson.delighted_id)).all())  # fmt: skip
    return {
        c.email: (c.name, links.get(c.id), c.properties)
        for c in db.session.scalars(sa.select(Customer).order_by(Customer.email))
    }


def rows(model: type, *columns: str) -> list[tuple[object, ...]]:
    """The given columns of every row of ``model``, in the order of its first one."""
    return [
        tuple(getattr(row, column) for column in columns)
        for row in db.session.scalars(sa.select(model).order_by(getattr(model, columns[0])))
    ]


def snapshot() -> list[object]:
    """Every row an import writes, to compare two runs."""
    db.session.expire_all()
    return [
        people(),
        rows(Response, "id", "source_id", "score", "comment", "created_at", "updated_at"),
        rows(DelightedResponse, "delighted_id", "notes", "tags"),
        rows(Unsubscribe, "id", "customer_id", "kind", "source", "created_at", "revoked_at"),
        rows(Customer, "id", "bounced_at", "updated_at"),
        rows(ScoreRollup, "day", "survey_id", "segment", "value", "s0", "s1"),
    ]


def test_the_csv_export_is_imported_once_and_read_back_through_v1(
    runner: FlaskCliRunner, delighted: Delighted
) -> None:
    code, out, errors = run(runner, *CSV_FILES)
    assert (code, errors) == (0, [])
    assert out == ("imported 3 people, 1 unsubscribes, 1 bounces, 3 survey responses; rejected 0\n")
    assert people() == {
        "charlie_gravis@example.com": ("Charlie Gravis", "5975", {"Plan": "Pro", "Country": "US",
                                       "Delighted Source": "Email"}),
        "jrryonk@example.com": ("", "5977", {}),
        "leslie.wong@example.com": ("Leslie Wong", "5976", {"Plan": "Starter", "Country": "CA",
                                    "Delighted Source": "Email"}),
        "new.person@example.com": ("Sam Rivera", None, {"Delighted Source": "Web"}),
    }  # fmt: skip
    listed = delighted.get("survey_responses?expand[]=notes&expand[]=person").json
    assert [(r["score"], r["comment"], r["person"]["email"], r["tags"], r["created_at"],
             r["updated_at"]) for r in listed] == [
        (9, "Your service is fast and flawless!", "charlie_gravis@example.com",
         ["Speed", "Support"], 1763722844, 1763723444),
        (3, "Checkout broke twice.\nNobody answered my email.", "leslie.wong@example.com",
         ["Checkout"], 1763799000, 1763799000),
        (10, None, "new.person@example.com", [], 1764684000, 1764684000),
    ]  # fmt: skip
    assert listed[1]["notes"] == [
        {"id": "5436-1", "text": "Called her back, refund sent", "user_email": "",
         "created_at": 1763799000},
        {"id": "5436-2", "text": "Follow up in a month", "user_email": "",
         "created_at": 1763799000},
    ]  # fmt: skip
    assert [u["email"] for u in delighted.get("unsubscribes").json] == ["leslie.wong@example.com"]
    assert delighted.get("bounces").json[0]["bounced_at"] == 1763901070
    metrics = delighted.get("metrics?since=1763000000&until=1765000000").json
    assert (metrics["nps"], metrics["response_count"]) == (33, 3)

    before = snapshot()
    code, out, errors = run(runner, *CSV_FILES)
    assert (code, errors) == (0, [])
    assert out == (
        "imported 0 people, 0 unsubscribes, 0 bounces, 0 survey responses; skipped 8 already "
        "imported (people.csv line 2; people.csv line 3; people.csv line 4; unsubscribes.csv "
        "line 2; bounces.csv line 2; survey_responses.csv line 2; survey_responses.csv line 3; "
        "survey_responses.csv line 6); rejected 0\n"
    )
    assert snapshot() == before


def test_an_opt_out_an_admin_reversed_is_not_imported_again(
    runner: FlaskCliRunner, clock: FrozenClock
) -> None:
    run(runner, "people.csv", "unsubscribes.csv")
    record = db.session.scalar(sa.select(Unsubscribe))
    assert record is not None
    record.revoked_at, record.revoked_by = clock.now, "admin@example.com"
    db.session.commit()
    assert run(runner, "unsubscribes.csv")[1].startswith("imported 0 people, 0 unsubscribes")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unsubscribe)) == 1


def test_imported_opt_outs_stop_the_invitations_already_scheduled(
    runner: FlaskCliRunner, delighted: Delighted
) -> None:
    """People added through /v1/ before the import, their surveys due in an hour: an opt-out
    or a bounce in the export suppresses them, as the person's own would."""
    for email in ("leslie.wong@example.com", "jrryonk@example.com", "other@example.com"):
        assert delighted.post("people", {"email": email, "delay": 3600}).status_code == 200
    assert run(runner, "unsubscribes.csv", "bounces.csv")[1].startswith(
        "imported 0 people, 1 unsubscribes, 1 bounces"
    )
    db.session.expire_all()
    assert sorted(
        (i.customer.email, i.status.value, i.suppression_reason and i.suppression_reason.value)
        for i in db.session.scalars(sa.select(Invitation))
    ) == [
        ("jrryonk@example.com", "suppressed", "bounced"),
        ("leslie.wong@example.com", "suppressed", "unsubscribed"),
        ("other@example.com", "scheduled", None),
    ]


def test_a_json_dump_made_with_the_client(runner: FlaskCliRunner, delighted: Delighted) -> None:
    code, out, errors = run(runner, "dump.json")
    assert (code, errors) == (0, [])
    assert out == "imported 2 people, 1 unsubscribes, 0 bounces, 2 survey responses; rejected 0\n"
    listed = delighted.get("survey_responses?expand[]=notes").json
    assert [(r["score"], r["tags"], r["person_properties"]) for r in listed] == [
        (9, ["Speed", "Support"], {"Plan": "Pro", "Delighted Source": "Email"}),
        (3, ["Checkout"], {}),
    ]
    assert listed[1]["notes"] == [
        {"id": "77", "text": "Called her back, refund sent",
         "user_email": "support@example.com", "created_at": 1763802000}
    ]  # fmt: skip
    # The CSV export of the same account afterwards: the same ids, nothing twice.
    code, out, _ = run(runner, *CSV_FILES)
    assert out.startswith("imported 1 people, 0 unsubscribes, 1 bounces, 1 survey responses;")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 3


def test_bad_rows_are_reported_by_line_and_the_good_ones_go_in(runner: FlaskCliRunner) -> None:
    code, out, errors = run(runner, "people.csv", "bad_responses.csv")
    assert code == 1
    assert errors == [
        "bad_responses.csv line 2: score '11': the score must be between 0 and 10",
        "bad_responses.csv line 3: email: 'not-an-address' is not an email address",
        "bad_responses.csv line 5: survey_type: 'smileys' is not one of ours (csat, ces, nps)",
        "bad_responses.csv line 6: created_at: 'next tuesday' is not a date (expected e.g. "
        "2024-03-31 or 2024-03-31T14:05:00Z)",
        "bad_responses.csv line 4: person_id: 9999 is not a person imported; import the "
        "people first, or give the email",
    ]
    assert out == "imported 3 people, 0 unsubscribes, 0 bounces, 1 survey responses; rejected 5\n"


def test_a_file_that_is_none_of_delighteds_is_refused(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    other = tmp_path / "orders.csv"
    other.write_text("Order,Total\n1,10\n")
    result = runner.invoke(args=["import-delighted", str(other)])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: orders.csv is none of Delighted's exports (people, unsubscribes, bounces, "
        "survey responses); its columns are Order, Total\n"
    )


def test_forgetting_an_imported_person_drops_their_delighted_notes_and_id(
    runner: FlaskCliRunner, clock: FrozenClock
) -> None:
    run(runner, *CSV_FILES)
    leslie = db.session.scalar(
        sa.select(Customer).where(Customer.email == "leslie.wong@example.com")
    )
    assert leslie is not None
    forget_person(leslie, clock.now)
    assert db.session.scalars(sa.select(DelightedPerson.delighted_id)).all() == ["5975", "5977"]
    assert db.session.scalars(sa.select(DelightedResponse.delighted_id)).all() == ["5435", "5437"]


def test_a_customer_already_here_is_found_by_email_and_given_the_delighted_id(
    runner: FlaskCliRunner, delighted: Delighted
) -> None:
    delighted.post("people", {"email": "Leslie.Wong@example.com", "send": False,
                              "properties": {"Plan": "Enterprise"}})  # fmt: skip
    assert run(runner, "people.csv")[1].startswith("imported 3 people")
    assert people()["leslie.wong@example.com"] == (
        "Leslie Wong",
        "5976",
        {"Plan": "Enterprise", "Country": "CA"},
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 3
