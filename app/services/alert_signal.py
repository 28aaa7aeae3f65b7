"""Wakes this process's alert streams when alert changes commit, so they need not wait out their poll.

A transaction that records an alert change marks its session (:func:`mark`); when the session commits, every
stream of the process waiting in :meth:`ChangeSignal.wait` wakes and reads the feed. A change committed by
another process (a second server) still reaches them at their next poll (``ALERT_STREAM_POLL_S``), and a
rolled-back change wakes nobody.
"""
from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

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
