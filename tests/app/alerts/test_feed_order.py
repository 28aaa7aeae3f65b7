"""The change feed commits in id order on PostgreSQL, so a reader past position N never finds a change before it."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.alerts import raise_alert
from models import Alert, AlertEvent, AlertKind, Severity
from models.engine import make_engine

T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.timezone.utc)


def _raise(session: Session, key: str) -> None:
    raise_alert(session, key=key, kind=AlertKind.STOP, severity=Severity.LOW, title=key, started_at=T0)
    session.flush()


def test_a_second_writer_waits_for_the_first_to_commit(fresh_database_url):
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("SQLite admits one writer at a time by itself")
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as first:
            _raise(first, "first")  # took the feed lock and its id; not committed yet
            second_done = threading.Event()

            def second() -> None:
                with Session(engine) as other:
                    _raise(other, "second")
                    other.commit()
                second_done.set()

            thread = threading.Thread(target=second)
            thread.start()
            assert not second_done.wait(0.5), "the second writer committed before the first"
            first.commit()
            thread.join(5)
            assert second_done.is_set()
        with Session(engine) as reader:
            order = list(reader.scalars(select(Alert.title).join(AlertEvent.alert).order_by(AlertEvent.id)))
        assert order == ["first", "second"]
    finally:
        engine.dispose()
