"""Alembic environment: runs against the app's engine and the models' metadata."""

from __future__ import annotations

from alembic import context
from flask import current_app

import feedback_app.models  # noqa: F401  (registers every table on the metadata)
from feedback_app.extensions import db
from feedback_app.models.base import UTCDateTime


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our column types as plain SQLAlchemy ones so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = current_app.extensions["migrate"].configure_args
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table, drops it and renames the copy. With foreign
            # keys on, dropping it would delete every row that references it with ON DELETE
            # CASCADE (a response's follow-up case, say). Checked once the migration is done.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # so that the migration runs in a transaction of its own
        try:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                render_item=render_item,
                **options,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken}")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
