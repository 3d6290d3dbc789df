"""Two answers to one invitation at the same moment (a double tap, two tabs) make one response.

The second waits on the invitation's lock, then finds the first one's response and edits it,
so nothing fails on the unique ``invitation_id`` and the rollups count the answer once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Invitation, Response
from feedback_app.services import settling
from feedback_app.services.rollups import rollup_differences
from feedback_app.services.settling import settle_answers
from tests.helpers import csrf_from, wait_for_lock_waiters

MakeInvitation = Callable[..., tuple[Invitation, str]]


@contextmanager
def invitation_locked(url: str, invitation_id: int) -> Iterator[Callable[[int], None]]:
    """Hold the invitation's row lock (the single write lock on SQLite) from another connection.

    Yields a function that waits until that many other sessions queue behind the lock; on
    SQLite, whose writers wait inside the driver, it returns at once.
    """
    engine = sa.create_engine(url)
    connection = engine.connect()
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        connection.execute(
            sa.text("SELECT id FROM invitations WHERE id = :id FOR UPDATE"), {"id": invitation_id}
        )
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def wait_for_waiters(count: int) -> None:
        if postgres:
            wait_for_lock_waiters(engine, count)

    try:
        yield wait_for_waiters
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def test_two_answers_at_once_make_one_response_and_the_later_one_edits_it(
    app: Flask, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation("csat")
    clients = [app.test_client(), app.test_client()]
    forms = []
    for client in clients:
        # A context of its own per visitor, as in a real process: the test's context would
        # share its ``g`` (and the CSRF token cached there) between the two clients.
        with app.app_context():
            forms.append(csrf_from(client.get(f"/s/{token}").text))
    statuses: list[int] = []

    def post(index: int, score: int) -> None:
        data: dict[str, Any] = {"csrf_token": forms[index], "score": score, "comment": ""}
        statuses.append(clients[index].post(f"/s/{token}", data=data).status_code)

    with invitation_locked(app.config["DATABASE_URL"], invitation.id) as wait_for_waiters:
        threads = [
            threading.Thread(target=post, args=(index, score)) for index, score in enumerate((2, 5))
        ]
        for thread in threads:
            thread.start()
        wait_for_waiters(2)
    for thread in threads:
        thread.join()

    db.session.expire_all()
    stored = db.session.scalars(sa.select(Response)).all()
    assert statuses == [303, 303]
    assert len(stored) == 1
    assert stored[0].invitation_id == invitation.id
    assert stored[0].score in (2, 5)
    assert stored[0].updated_at >= stored[0].created_at
    assert settle_answers() == 1
    # Settled once, as the answer stands: a case only if the later answer was the low one.
    assert [case.response_id for case in db.session.scalars(sa.select(FollowUpCase))] == (
        [stored[0].id] if stored[0].score == 2 else []
    )
    assert rollup_differences() == []


def test_an_answer_changed_while_the_worker_settles_it_is_settled_again(
    app: Flask, make_invitation: MakeInvitation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's batch holds the response's row; the edit waits for it, then stays unsettled.

    The batch is paused inside its transaction, after reading and locking its responses.
    """
    _, token = make_invitation("csat")
    client = app.test_client()
    with app.app_context():
        form = csrf_from(client.get(f"/s/{token}").text)
    answered = client.post(f"/s/{token}", data={"csrf_token": form, "score": 2, "comment": ""})
    assert answered.status_code == 303
    paused, go_on = threading.Event(), threading.Event()
    apply_entries = settling.apply_entries

    def pausing(*args: Any) -> int:
        paused.set()
        assert go_on.wait(30)
        return apply_entries(*args)

    monkeypatch.setattr(settling, "apply_entries", pausing)
    settled: list[int] = []

    def worker() -> None:
        with app.app_context():
            settled.append(settle_answers())

    statuses: list[int] = []

    def edit() -> None:
        data = {"csrf_token": form, "score": 5, "comment": "sorted after all"}
        statuses.append(client.post(f"/s/{token}", data=data).status_code)

    threads = [threading.Thread(target=worker), threading.Thread(target=edit)]
    threads[0].start()
    assert paused.wait(30)
    threads[1].start()
    engine = db.engine
    if engine.dialect.name == "postgresql":
        wait_for_lock_waiters(engine, 1)
    go_on.set()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(settling, "apply_entries", apply_entries)

    db.session.expire_all()
    response = db.session.scalars(sa.select(Response)).one()
    assert (settled, statuses) == ([1], [303])
    assert (response.score, response.counted_score, response.unsettled) == (5, 2, True)
    case = db.session.scalars(sa.select(FollowUpCase)).one()
    assert (case.score, case.score_raised_at) == (2, None)
    assert settle_answers() == 1
    db.session.refresh(case)
    assert (case.score, case.score_raised_at) == (5, response.updated_at)
    assert (response.counted_score, response.unsettled) == (5, False)
    assert rollup_differences() == []
