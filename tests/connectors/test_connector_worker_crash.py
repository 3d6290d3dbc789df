"""A worker killed after the helpdesk got its 202 still makes the interaction, once, when it
runs again."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Connector, ConnectorDelivery, Interaction, Invitation, Outcome
from tests.connectors.conftest import IntercomApi, Poster
from tests.connectors.vendors import solved
from tests.helpers import feedback_command, production_env, running, wait_for_line


def test_a_worker_killed_mid_delivery_makes_the_interaction_once_it_runs_again(
    make_connector: Callable[..., Connector],
    post: Poster,
    intercom_api: IntercomApi,
    database_url: str,
    tmp_path: Path,
) -> None:
    connector = make_connector("intercom")
    assert post(connector, solved("intercom")).status_code == 202
    db.session.remove()
    env = production_env(
        database_url, FEEDBACK_JOB_INTERVALS=json.dumps({"connector-deliveries": 1})
    )
    intercom_api.hold = threading.Event()  # the contact lookup never answers
    with running(feedback_command("worker"), env, tmp_path) as first:
        assert intercom_api.held.wait(60), "the worker never looked the contact up"
        first.kill()
        assert first.wait(60) == -signal.SIGKILL
    (delivery,) = db.session.scalars(sa.select(ConnectorDelivery)).all()
    assert delivery.outcome is Outcome.PENDING
    assert db.session.scalars(sa.select(Interaction)).all() == []
    db.session.remove()

    held, intercom_api.hold = intercom_api.hold, None
    held.set()
    with running(feedback_command("worker"), env, tmp_path) as second:
        wait_for_line(second, "job connector-deliveries handled 1")
    db.session.expire_all()
    (delivery,) = db.session.scalars(sa.select(ConnectorDelivery)).all()
    assert delivery.outcome is Outcome.CREATED
    (interaction,) = db.session.scalars(sa.select(Interaction)).all()
    assert (interaction.source, interaction.customer.email) == (connector.id, "casey@example.com")
    assert len(db.session.scalars(sa.select(Invitation)).all()) == 1
