"""Wakes this process's alert streams when alert changes commit, so they need not wait out their poll.

A transaction that records an alert change marks its session (:func:`mark`); when the session commits, every
stream of the process waiting in :meth:`ChangeSignal.wait` wakes and reads the feed. On PostgreSQL the
transaction also notifies :data:`CHANNEL` (sent when it commits), and each server process that has a stream
open listens there (:class:`Listener`), so a change committed by another process wakes its streams too. On
SQLite, another process's change waits for the streams' poll (``ALERT_STREAM_POLL_S``). A rolled-back change
wakes nobody.
"""
from __future__ import annotations

import logging
import threading

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: The PostgreSQL channel alert changes are announced on.
CHANNEL = "hazledger_alerts"
_MARK = "hazledger_alert_changes"


class ChangeSignal:
    """A count of commits with alert changes that waiters can wait to see move."""

    def __init__(self) -> None:
        self._moved = threading.Condition()
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def notify(self) -> None:
        with self._moved:
            self._count += 1
            self._moved.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Return once the count is no longer *seen* (at once if it moved already), or after *timeout* s."""
        with self._moved:
            self._moved.wait_for(lambda: self._count != seen, timeout)


CHANGES = ChangeSignal()


def mark(session: Session) -> None:
    """Wake the streams when *session*'s transaction commits."""
    session.info[_MARK] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_MARK, False):
        CHANGES.notify()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_MARK, None)


class Listener(threading.Thread):
    """Listens on :data:`CHANNEL` of the PostgreSQL database at *url* and wakes the streams on each notice,
    reconnecting after a failure, until :meth:`stop`."""

    def __init__(self, url: str) -> None:
        super().__init__(name="hazledger-alert-listener", daemon=True)
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._stopped = threading.Event()

    def run(self) -> None:
        # Here, not with the module: the services that mark a change import it, and a command on SQLite should
        # not pay for the driver's import (a tenth of a second; issue 18).
        import psycopg

        while not self._stopped.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    CHANGES.notify()  # what was committed while no one listened: the streams read the feed
                    while not self._stopped.is_set():
                        for _notice in connection.notifies(timeout=1.0):
                            CHANGES.notify()
            except psycopg.Error as error:
                log.warning("listening for alert changes failed (%s); retrying", error)
                self._stopped.wait(1.0)

    def stop(self) -> None:
        self._stopped.set()
        self.join(5)
