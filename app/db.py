"""The database extension: one engine per app, one session per request (or CLI command)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from models.engine import make_sessionmaker

if TYPE_CHECKING:  # imported where a listener starts: psycopg is a PostgreSQL app's import, not every command's
    from app.services.alert_signal import Listener

_KEY = "hazledger.db"
_LISTENER_LOCK = threading.Lock()


@dataclass
class _State:
    engine: Engine
    sessionmaker: sessionmaker[Session]
    alert_listener: Listener | None = None


class Database:
    """Bound to an app with :meth:`init_app`; ``db.session`` is the current request's session."""

    def init_app(self, app: Flask) -> None:
        sessions = make_sessionmaker(app.config["DATABASE_URL"], app.config["DATABASE_POOL_SIZE"])
        app.extensions[_KEY] = _State(sessions.kw["bind"], sessions)
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

    def listen_for_alert_changes(self) -> None:
        """On PostgreSQL, start this app's :class:`~app.services.alert_signal.Listener` unless it runs."""
        state = self._state()
        if state.engine.dialect.name != "postgresql":
            return
        from app.services.alert_signal import Listener

        with _LISTENER_LOCK:
            if state.alert_listener is None:
                state.alert_listener = Listener(state.engine.url.render_as_string(hide_password=False))
                state.alert_listener.start()

    @staticmethod
    def dispose(app: Flask) -> None:
        """Close the app's pooled connections and its alert listener (end of a CLI command, end of a test)."""
        state = app.extensions[_KEY]
        state.engine.dispose()
        with _LISTENER_LOCK:
            listener, state.alert_listener = state.alert_listener, None
        if listener is not None:
            listener.stop()

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
