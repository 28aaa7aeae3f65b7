"""The change feed commits in id order on PostgreSQL, so a reader past position N never finds a change before it."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.alerts import acknowledge, raise_alert
from models import Alert, AlertEvent, AlertKind, AlertState, Role, Severity
from models.engine import make_engine
from tests.factories import make_user

T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.timezone.utc)


def _raise(session: Session, key: str, minutes: int = 0) -> Alert:
    alert, _ = raise_alert(session, key=key, kind=AlertKind.STOP, severity=Severity.LOW, title=key, started_at=T0,
                           last_seen_at=T0 + dt.timedelta(minutes=minutes))
    session.flush()
    return alert


@pytest.fixture
def postgres_url(fresh_database_url):
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("SQLite admits one writer at a time by itself")
    return fresh_database_url


def test_a_second_writer_waits_for_the_first_to_commit(postgres_url):
    engine = make_engine(postgres_url)
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


def test_a_check_and_an_acknowledgement_of_the_same_alerts_do_not_deadlock(postgres_url):
    """Every writer takes the feed lock before it changes any alert row, so they queue in one order."""
    engine = make_engine(postgres_url)
    try:
        with Session(engine, expire_on_commit=False) as setup:
            supervisor, _ = make_user(setup, Role.SUPERVISOR)
            _raise(setup, "a")
            b = _raise(setup, "b")
            setup.commit()
        with Session(engine) as check:
            _raise(check, "a", minutes=1)  # a batch updates alert a: it holds the feed lock now
            failures: list[BaseException] = []

            def supervise() -> None:
                with Session(engine) as person:
                    try:
                        acknowledge(person, supervisor, b.id)  # waits for the feed, not holding b's row
                    except BaseException as error:  # reported to the test below
                        failures.append(error)

            thread = threading.Thread(target=supervise)
            thread.start()
            thread.join(0.5)
            _raise(check, "b", minutes=1)  # the same batch then updates alert b
            check.commit()
            thread.join(10)
        assert failures == []
        with Session(engine) as reader:
            state, seen = reader.execute(select(Alert.state, Alert.last_seen_at).where(Alert.key == "b")).one()
        assert state is AlertState.ACKNOWLEDGED and seen == T0 + dt.timedelta(minutes=1)
    finally:
        engine.dispose()
