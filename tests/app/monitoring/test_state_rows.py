"""A batch's trip states as plain rows (:func:`~app.services.monitoring.state.lock_rows`), written back in one
statement (:func:`~app.services.monitoring.state.save_states`; on PostgreSQL an UPDATE over arrays): the same
values as the ORM row reads back, the version moved on, and a stale copy refused."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.services.monitoring.state import lock_rows, save_states
from models import TripState
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.factories import make_vehicle

AT = dt.datetime(2026, 12, 6, 8, 30, 15, 123456, tzinfo=dt.timezone.utc)


def _two_trips(session):
    trip = build_trip(session)
    return [waybill_in_transit(session, trip, make_vehicle(session, trip.carrier)).id for _ in range(2)]


def test_rows_are_created_moved_on_and_read_back(session):
    ids = _two_trips(session)
    rows = lock_rows(session, ids)
    assert sorted(rows) == sorted(ids) and all(r.row_version == 1 and r.last_at is None for r in rows.values())
    first, second = rows[ids[0]], rows[ids[1]]
    first.last_at, first.last_lon, first.last_lat, first.fixes_checked = AT, 120.5, 31.25, 7
    first.recent = [[1, 120.5, 31.25, None]]
    first.runs = {"stop": {"start_ns": 1, "labels": ["沿江高速"]}, "fatigue_driving": {"spell": None, "at": None}}
    second.skipped_fixes = 3
    save_states(session, [first, second])
    assert first.row_version == second.row_version == 2
    stored = {s.waybill_id: s for s in session.scalars(select(TripState).where(TripState.waybill_id.in_(ids)))}
    got = stored[ids[0]]
    assert (got.last_at, got.last_lon, got.last_lat, got.fixes_checked) == (AT, 120.5, 31.25, 7)
    assert got.recent == first.recent and got.runs == first.runs and got.row_version == 2
    assert stored[ids[1]].skipped_fixes == 3 and stored[ids[1]].last_at is None
    again = lock_rows(session, ids)
    assert again[ids[0]].runs == first.runs and again[ids[0]].row_version == 2


def test_a_stale_row_is_refused(session):
    ids = _two_trips(session)
    rows = lock_rows(session, ids)
    save_states(session, list(rows.values()))
    rows[ids[0]].row_version = 1  # a copy from before the write
    with pytest.raises(StaleDataError):
        save_states(session, list(rows.values()))
