"""The alert feed's lock (PostgreSQL): taken once in a transaction however many alerts it raises (a batch of
thousands of trips raises thousands), and again in the next transaction."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from app.services.alerts import raise_alert
from models import AlertKind, Severity

T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.timezone.utc)


def _raise(session, n: int) -> None:
    raise_alert(session, key=f"deviation:feed-lock:{n}", kind=AlertKind.DEVIATION, severity=Severity.MEDIUM,
                title=f"alert {n}", started_at=T0 + dt.timedelta(minutes=n))


def test_the_feed_is_locked_once_per_transaction(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the feed's advisory lock is PostgreSQL's (SQLite has one writer at a time)")
    locks = []

    def count(conn, cursor, statement, *args):
        if "pg_advisory_xact_lock" in statement:
            locks.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", count)
    try:
        for n in range(5):
            _raise(session, n)
        session.flush()
        assert len(locks) == 1
        session.commit()
        _raise(session, 5)
        assert len(locks) == 2
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", count)
