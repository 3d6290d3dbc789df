"""Making the test database really unavailable for a moment, and available again.

PostgreSQL: the app reaches the server through ``TcpProxy`` on 127.0.0.1; a cut stops it
listening (connections are refused) and drops every open connection, as a restarting or
unreachable server does. SQLite: another connection takes the write lock and holds it past
the app's (short) busy timeout, as a long import or backup would; in WAL mode readers go on,
so pages that only read still work and every write fails.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import sqlalchemy as sa

from feedback_app.models import Response

#: The busy timeout the app gets in outage tests: past it, a locked SQLite write fails.
SQLITE_BUSY_TIMEOUT_MS = 200


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``host``:``target_port`` in a thread of its own."""

    def __init__(self, host: str, target_port: int) -> None:
        self.host = host
        self.target_port = target_port
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread.start()
        self.restore()

    def _run(self, coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.host, self.target_port
            )
            self._writers.add(upstream_writer)
            await asyncio.gather(
                self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
            )
        except OSError:
            writer.close()
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            self._writers.discard(writer)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        self._run(self._cut())

    def restore(self) -> None:
        """Listen again, on the same port."""
        self._run(self._listen())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class Outage(Protocol):
    #: The URL the app under test uses; it is the one that goes away.
    url: str
    #: Whether reads fail too (PostgreSQL) or only writes (SQLite).
    blocks_reads: bool
    #: Settings the app under test needs for the outage to show.
    settings: dict[str, Any]

    def cut(self) -> None: ...

    def restore(self) -> None: ...


class PostgresOutage:
    def __init__(self, database_url: str) -> None:
        direct = sa.make_url(database_url)
        self.proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
        self.url = direct.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )
        self.blocks_reads = True
        self.settings: dict[str, Any] = {}

    def cut(self) -> None:
        self.proxy.cut()

    def restore(self) -> None:
        self.proxy.restore()

    def close(self) -> None:
        self.proxy.close()


class SqliteOutage:
    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.path = sa.make_url(database_url).database or ""
        self.blocks_reads = False
        self.settings: dict[str, Any] = {"SQLITE_BUSY_TIMEOUT_MS": SQLITE_BUSY_TIMEOUT_MS}
        self._holder: sqlite3.Connection | None = None

    def cut(self) -> None:
        """Take the write lock in another connection and keep it."""
        self._holder = sqlite3.connect(self.path, isolation_level=None)
        self._holder.execute("BEGIN IMMEDIATE")

    def restore(self) -> None:
        if self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.close()
            self._holder = None

    def close(self) -> None:
        self.restore()


@contextmanager
def database_outage(database_url: str) -> Iterator[Outage]:
    """A way to cut and restore the database at ``database_url``; restored at the end."""
    outage = (
        SqliteOutage(database_url)
        if database_url.startswith("sqlite")
        else PostgresOutage(database_url)
    )
    try:
        yield outage
    finally:
        outage.close()


def stored_answers(database_url: str) -> list[tuple[int, str | None]]:
    """Answers as the database holds them, read past the app (and, on SQLite, the lock)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [
                (score, comment)
                for score, comment in connection.execute(
                    sa.select(Response.score, Response.comment).order_by(Response.id)
                )
            ]
    finally:
        engine.dispose()
