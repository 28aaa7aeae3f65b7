"""Engine construction, with the settings each backend needs to behave like the other."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Uuid, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


#: Run on every new SQLite connection, in this order (the busy timeout first: switching a file to WAL waits for
#: the other connections' locks). WAL lets readers and the one writer work side by side, and with
#: ``synchronous = NORMAL`` a commit appends to the log without an fsync: the file is synced at checkpoints, so
#: a commit is durable against a crash of the application and the database never corrupts, but a power loss
#: may undo the last commits (https://www.sqlite.org/wal.html, "Performance Considerations"). Without this
#: every commit waits for two fsyncs, which dominated a waybill submission. ``:memory:`` keeps its own journal.
SQLITE_PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL",
                  "PRAGMA synchronous = NORMAL")


#: Whether the transactions begun in this context (a thread, or an asyncio task) are expected to write. On
#: SQLite such a transaction begins IMMEDIATE: it takes the database's one write lock at once, waiting for it
#: up to the busy timeout. Begun DEFERRED, a transaction that reads and then writes fails at its first write
#: ("database is locked", without waiting: waiting could deadlock) whenever another connection wrote in
#: between, which concurrent requests of one server do all the time (https://www.sqlite.org/lang_transaction.html).
#: Reading transactions stay DEFERRED: in WAL mode they never wait. PostgreSQL ignores this.
WRITES_EXPECTED: ContextVar[bool] = ContextVar("hazledger_writes_expected", default=False)


@contextmanager
def expecting_writes() -> Iterator[None]:
    """Begin the transactions of the block expecting writes (see :data:`WRITES_EXPECTED`)."""
    token = WRITES_EXPECTED.set(True)
    try:
        yield
    finally:
        WRITES_EXPECTED.reset(token)


class _HexUuid(Uuid[uuid.UUID]):
    """A UUID as SQLite keeps it (the 32 hex digits Uuid binds), read back by its integer value.

    ``uuid.UUID(hex)`` first strips prefixes, braces and dashes that SQLAlchemy never writes: about ten calls a
    value, where a submission reads some seventy ids (issue 5). Anything else stored is read as Uuid reads it.
    """

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if not self.as_uuid:
            return super().result_processor(dialect, coltype)

        def process(value: str | None) -> uuid.UUID | None:
            if value is None:
                return None
            if len(value) == 32:  # then int() reads it as UUID(hex) would, or raises as it would
                return uuid.UUID(int=int(value, 16))
            return uuid.UUID(value)

        return process


class SQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite, beginning each transaction itself (IMMEDIATE where writes are expected, see
    :data:`WRITES_EXPECTED`): :func:`make_engine` switches the driver's own transaction handling off.

    In the dialect, not in a ``begin`` event as SQLAlchemy's recipe has it: an engine with any connection event
    dispatches its (empty) execution events around every statement, a seventh of a waybill submission's Python
    calls (issue 5).
    """

    supports_statement_cache = True  # compiles as its parent does
    colspecs = {**SQLiteDialect_pysqlite.colspecs, Uuid: _HexUuid}

    def do_begin(self, dbapi_connection: Any) -> None:
        dbapi_connection.execute("BEGIN IMMEDIATE" if WRITES_EXPECTED.get() else "BEGIN")


registry.register("sqlite.hazledger", __name__, "SQLiteDialect")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for *url*.

    For SQLite the parent folder of the file is created, foreign keys are enforced, and the driver's own
    transaction handling is switched off so that SAVEPOINT and SERIALIZABLE work as documented
    (SQLAlchemy, "Serializable isolation / Savepoints / Transactional DDL" for pysqlite). A database file is
    kept in write-ahead-log mode with ``synchronous = NORMAL`` (see :data:`SQLITE_PRAGMAS`).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        # An unreachable server fails the request in seconds (a 503 to retry) instead of hanging it.
        kwargs.setdefault("connect_args", {"connect_timeout": 5})
        return create_engine(parsed, **kwargs)

    if parsed.get_driver_name() != "pysqlite":
        raise ValueError(f"SQLite through the pysqlite driver only, not {parsed.drivername}")
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed.set(drivername="sqlite+hazledger"), **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


def make_sessionmaker(url: str, pool_size: int) -> sessionmaker[Session]:
    """The sessions of an app or of a command on *url*: bound to a new engine (:func:`make_engine`, keeping
    *pool_size* connections), their objects still readable after the commit that ends a unit of work."""
    return sessionmaker(bind=make_engine(url, pool_size=pool_size), expire_on_commit=False)
