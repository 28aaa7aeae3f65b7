"""Alerts: one per episode (debounced), severity only rises, people move them open → acknowledged → closed."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.services.alerts import acknowledge, alert_json, close, get_alert, raise_alert, visible_alerts
from models import Alert, AlertChange, AlertEvent, AlertKind, AlertState, Role, Severity
from tests.factories import make_enterprise, make_user

T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.timezone.utc)


def _deviation(session: Session, **overrides: object) -> tuple[Alert, AlertChange | None]:
    values: dict = {"key": "deviation:trip-1:2026-11-28T08:00", "kind": AlertKind.DEVIATION,
                    "severity": Severity.MEDIUM, "title": "Left the corridor", "started_at": T0}
    values.update(overrides)
    return raise_alert(session, **values)


def _changes(session: Session, alert: Alert) -> list[str]:
    session.flush()
    return [str(c) for c in session.scalars(select(AlertEvent.change).where(AlertEvent.alert_id == alert.id)
                                            .order_by(AlertEvent.id))]


def test_the_same_episode_updates_one_alert_and_records_only_real_changes(session: Session) -> None:
    alert, change = _deviation(session)
    assert change is AlertChange.OPENED
    again, change = _deviation(session)
    assert again is alert and change is None
    grown, change = _deviation(session, last_seen_at=T0 + dt.timedelta(minutes=2), details={"max_offset_m": 420})
    assert grown is alert and change is AlertChange.UPDATED
    assert alert.last_seen_at == T0 + dt.timedelta(minutes=2) and alert.details == {"max_offset_m": 420}
    assert session.scalar(select(Alert.id).where(Alert.key == alert.key)) == alert.id
    assert _changes(session, alert) == ["opened", "updated"]


def test_severity_only_rises(session: Session) -> None:
    alert, _ = _deviation(session, severity=Severity.HIGH)
    _deviation(session, severity=Severity.LOW)
    assert alert.severity is Severity.HIGH
    _deviation(session, severity=Severity.CRITICAL)
    assert alert.severity is Severity.CRITICAL


def test_acknowledge_then_close_keeps_who_and_when(session: Session) -> None:
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    alert, _ = _deviation(session)
    session.commit()
    acknowledge(session, supervisor, alert.id, "calling the driver")
    assert alert.state is AlertState.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.note) == (supervisor.id, "calling the driver")
    close(session, supervisor, alert.id, "back on the corridor")
    assert alert.state is AlertState.CLOSED and alert.closed_by == supervisor.id and alert.closed_at is not None
    assert _changes(session, alert) == ["opened", "acknowledged", "closed"]
    assert alert_json(alert)["state"] == "closed"


def test_illegal_moves_are_conflicts_and_write_nothing(session: Session) -> None:
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    alert, _ = _deviation(session)
    session.commit()
    close(session, supervisor, alert.id)
    with pytest.raises(Conflict):
        acknowledge(session, supervisor, alert.id)
    with pytest.raises(Conflict):
        close(session, supervisor, alert.id)
    assert _changes(session, alert) == ["opened", "closed"]


def test_a_closed_episode_is_not_reopened(session: Session) -> None:
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    alert, _ = _deviation(session)
    session.commit()
    close(session, supervisor, alert.id)
    again, change = _deviation(session, last_seen_at=T0 + dt.timedelta(minutes=5))
    assert again is alert and change is None and alert.state is AlertState.CLOSED


def test_an_enterprise_sees_only_the_alerts_it_answers_for(session: Session) -> None:
    mine, other = make_enterprise(session), make_enterprise(session)
    user, _ = make_user(session, Role.ENTERPRISE, enterprise=mine)
    auditor, _ = make_user(session, Role.AUDITOR)
    own, _ = _deviation(session, key="a", enterprise_id=mine.id)
    foreign, _ = _deviation(session, key="b", enterprise_id=other.id)
    session.flush()
    assert set(session.scalars(visible_alerts(user))) == {own}
    assert {own, foreign} <= set(session.scalars(visible_alerts(auditor)))
    with pytest.raises(NotFound):
        get_alert(session, user, foreign.id)
