"""Storing the terminals' activity: on the trip, kept for the vehicle, not positioned, alarms of the past."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.gateway.messages import STATUS_FIXED, Location
from app.services.terminal_feed import Activity, store_activity
from models import Alert, AlertKind, GpsFix, Terminal, VehicleFix
from models.types import utcnow
from tests.app.waybills.conftest import build_trip, waybill_in_transit


def _loc(at: dt.datetime, lon: float, *, alarm: int = 0, fixed: bool = True) -> Location:
    return Location(alarm, STATUS_FIXED if fixed else 0, 31.2, lon, 5, 36.0, 90, at)


def test_fixes_on_the_trip_before_it_and_unplaced(session):
    trip = build_trip(session)
    waybill = waybill_in_transit(session, trip)  # departed six hours ago
    terminal = trip.tanker.gps_terminal_id
    session.add(Terminal(terminal_id=terminal, vehicle_id=trip.tanker.id, auth_code="c", edition=2013,
                         alarm_flags=0, alarm_since={}, messages=0))
    session.commit()
    start = waybill.departed_at - dt.timedelta(hours=1)
    on_trip = utcnow() - dt.timedelta(minutes=30)
    activity = Activity(terminal, trip.tanker.id, messages=2, last_message_id=0x0704, last_message_at=utcnow(),
                        locations=[_loc(start + dt.timedelta(seconds=10 * n), 121.40 + n / 10_000) for n in range(3)]
                        + [_loc(on_trip + dt.timedelta(seconds=10 * n), 121.41 + n / 10_000) for n in range(4)]
                        + [_loc(on_trip + dt.timedelta(seconds=100), 0.0, fixed=False)])
    totals = store_activity(session, [activity])
    assert (totals["received"], totals["stored"], totals["kept_for_vehicle"], totals["not_positioned"]) == (8, 4, 3, 1)
    again = store_activity(session, [activity])
    assert (again["stored"], again["duplicates"], again["kept_for_vehicle"]) == (0, 4, 0)
    assert session.scalar(select(func.count()).select_from(GpsFix).where(GpsFix.waybill_id == waybill.id)) == 4
    assert session.scalar(select(func.count()).select_from(VehicleFix)) == 3
    state = session.get(Terminal, terminal)
    session.refresh(state)
    # The last report, positioned or not (a report without a place still carries its alarms and status).
    assert state.messages == 4 and state.last_fix_at == on_trip + dt.timedelta(seconds=100)
    assert state.last_position["positioned"] is False


def test_alarms_of_a_blind_area_upload_do_not_open_alerts(session):
    trip = build_trip(session)
    waybill = waybill_in_transit(session, trip)
    terminal = trip.tanker.gps_terminal_id
    session.add(Terminal(terminal_id=terminal, vehicle_id=trip.tanker.id, auth_code="c", edition=2013,
                         alarm_flags=0, alarm_since={}, messages=0))
    session.commit()
    now = utcnow() - dt.timedelta(minutes=5)
    store_activity(session, [Activity(terminal, trip.tanker.id, 1, 0x0200, now, [_loc(now, 121.41)])])
    past = [_loc(now - dt.timedelta(minutes=1), 121.40, alarm=1)]  # emergency, a minute before the last fix
    store_activity(session, [Activity(terminal, trip.tanker.id, 1, 0x0704, now, past)])
    assert session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.TERMINAL_ALARM)) == 0
    later = [_loc(now + dt.timedelta(seconds=10), 121.42, alarm=1 << 23)]  # route deviation, now
    store_activity(session, [Activity(terminal, trip.tanker.id, 1, 0x0200, now, later)])
    [alert] = session.scalars(select(Alert).where(Alert.kind == AlertKind.TERMINAL_ALARM))
    assert alert.details["alarm"] == "route_deviation" and alert.waybill_id == waybill.id
    assert alert.enterprise_id == trip.carrier.id and alert.ended_at is None
