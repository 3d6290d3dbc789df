"""PostgreSQL connections in the pool after a restart: tested only when they sat idle.

A connection used a moment ago is trusted without a round trip; one that sat idle through a
restart is tested and replaced before use. Either way nothing needs restarting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from feedback_app.outage import check_idle_connections
from tests.outage import Outage, database_outage

SELECT_ONE = sa.text("SELECT 1")


@contextmanager
def pooled_engine(postgres_url: str, idle_seconds: float) -> Iterator[tuple[sa.Engine, Outage]]:
    """An engine behind a cuttable proxy, holding one used connection in its pool."""
    with database_outage(postgres_url) as outage:
        engine = sa.create_engine(outage.url)
        check_idle_connections(engine, idle_seconds)
        with engine.connect() as connection:
            assert connection.execute(SELECT_ONE).scalar_one() == 1
        try:
            yield engine, outage
        finally:
            engine.dispose()


def test_a_connection_idle_through_a_restart_is_replaced_before_anyone_uses_it(
    postgres_url: str,
) -> None:
    with pooled_engine(postgres_url, idle_seconds=0) as (engine, outage):
        outage.cut()
        outage.restore()
        with engine.connect() as connection:
            assert connection.execute(SELECT_ONE).scalar_one() == 1


def test_a_connection_used_a_moment_ago_is_trusted_and_a_failure_drops_the_pool(
    postgres_url: str,
) -> None:
    with pooled_engine(postgres_url, idle_seconds=3600) as (engine, outage):
        outage.cut()
        outage.restore()
        with pytest.raises(sa.exc.OperationalError), engine.connect() as connection:
            connection.execute(SELECT_ONE)
        with engine.connect() as connection:
            assert connection.execute(SELECT_ONE).scalar_one() == 1
