"""Fresh databases for benchmarks: a SQLite file, or a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

#: The first of these that is set names the PostgreSQL server to benchmark against.
POSTGRES_ENVS = ("FEEDBACK_BENCH_POSTGRES_URL", "FEEDBACK_TEST_POSTGRES_URL")


def postgres_configured() -> bool:
    return any(os.environ.get(name) for name in POSTGRES_ENVS)


@contextmanager
def fresh_database(dialect: str, folder: Path, name: str = "bench") -> Iterator[str]:
    """A new, empty database URL of ``dialect``, dropped afterwards (PostgreSQL)."""
    if dialect == "sqlite":
        yield f"sqlite:///{folder / name}.sqlite"
        return
    base = next(os.environ[env] for env in POSTGRES_ENVS if os.environ.get(env))
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    database = f"feedback_{name}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    try:
        yield sa.make_url(base).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
