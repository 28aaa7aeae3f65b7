"""The database extension: one engine per app, one session per request (or CLI command)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from models.engine import make_engine

_KEY = "hazledger.db"


@dataclass
class _State:
    engine: Engine
    sessionmaker: sessionmaker[Session]


class Database:
    """Bound to an app with :meth:`init_app`; ``db.session`` is the current request's session."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], pool_size=app.config["DATABASE_POOL_SIZE"])
        app.extensions[_KEY] = _State(engine, sessionmaker(bind=engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state() -> _State:
        return current_app.extensions[_KEY]

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state().sessionmaker()
        return g.db_session

    def new_session(self) -> Session:
        """A session of its own, not the request's: for work that outlives one transaction (a stream polls with a
        short one each time, holding no connection in between). The caller closes it."""
        return self._state().sessionmaker()

    @staticmethod
    def dispose(app: Flask) -> None:
        """Close the app's pooled connections (end of a CLI command, end of a test)."""
        app.extensions[_KEY].engine.dispose()

    @staticmethod
    def bind_to(app: Flask, connection: Connection) -> None:
        """Run every session of *app* inside *connection*'s transaction (tests roll it back)."""
        app.extensions[_KEY].sessionmaker = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
