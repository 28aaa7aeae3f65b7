"""The sweep for silent trips: one signal-gap alert per silence, raised while it lasts, ended by the next fix."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import cli
from app.services.monitoring import sweep
from models import Alert, TripState
from models.types import utcnow
from tests.app.monitoring.conftest import B, MID, alerts_of, post_fixes, register_road, start_trip


def test_a_silent_trip_has_one_gap_alert_that_the_next_fix_ends(client, session, road):
    [alert] = sweep(session)
    assert (alert.kind, alert.severity, alert.ended_at) == ("signal_gap", "high", None)  # silent for 100 min
    assert alert.started_at == road.t0 and alert.details["gap_s"] == 1800 and alert.lon is None
    assert sweep(session) == []  # nothing new to say
    [later] = sweep(session, now=road.t0 + dt.timedelta(hours=3))
    assert later.id == alert.id and later.severity == "critical" and later.details["gap_s"] == 7200
    car = road.drive().silent(95 * 60)
    post_fixes(client, road, car.go(121.41, 31.20).take())
    [ended] = alerts_of(client, road)
    assert ended["id"] == str(alert.id) and ended["ended_at"] is not None
    assert ended["details"]["gap_s"] == pytest.approx(95 * 60, abs=10)  # to the first fix
    assert sweep(session) == []  # it reported a minute ago


def test_the_silence_starts_at_the_last_fix(client, session, road):
    post_fixes(client, road, road.drive().go(*MID).take())  # 7 minutes of driving, 93 minutes ago
    state = session.scalars(select(TripState)).one()
    [alert] = sweep(session)
    assert alert.started_at == state.last_at and alert.severity == "high"
    assert (alert.lon, alert.lat) == (state.last_lon, state.last_lat)


def test_trips_that_report_or_have_arrived_are_not_swept(client, session, road):
    car = road.drive().silent(100 * 60 - 60)
    post_fixes(client, road, car.go(121.405, 31.20).take())
    assert sweep(session) == []
    assert client.post(f"{road.url}/arrive", json={}, headers=road.trip.headers["carrier"]).status_code == 200
    assert sweep(session, now=utcnow() + dt.timedelta(hours=1)) == []


def test_a_silent_trip_is_checked_against_its_departure_window(client, session, trip):
    hours = dt.timedelta(hours=1)
    start_trip(client, session, trip, register_road(session).id, window=(-6 * hours, -5 * hours))
    assert sorted(a.kind for a in sweep(session)) == ["signal_gap", "time_window"]
    departure = session.scalars(select(Alert).where(Alert.kind == "time_window")).one()
    assert departure.details["off_by_s"] == 5 * 3600


def test_track_sweep_command(committed):
    runner = CliRunner()
    url = committed.app.config["DATABASE_URL"]
    first = runner.invoke(cli, ["--database-url", url, "track", "sweep"], catch_exceptions=False)
    assert first.exit_code == 1, first.output
    assert "signal_gap" in first.output and first.output.strip().endswith("1 alert(s) raised or updated")
    again = runner.invoke(cli, ["--database-url", url, "track", "sweep"], catch_exceptions=False)
    assert again.exit_code == 0 and again.output.strip() == "0 alert(s) raised or updated"
    post_fixes(committed.client, committed.road, committed.road.drive().silent(99 * 60).go(*B).take()[:2])
    assert runner.invoke(cli, ["--database-url", url, "track", "sweep"]).exit_code == 0
