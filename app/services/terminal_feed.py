"""What authenticated JT/T 808 terminals report, stored in batches: positions, alarms, their last message.

The gateway hands over a short interval's messages of all its terminals at once. Positions go down the path of
``POST /api/v1/track`` (:mod:`app.services.tracking_feed`): validated together by the routing engine's track
reader (the same rules: unreadable or out-of-range rows and impossible jumps dropped), then, for each vehicle on
a waybill in transit, stored and checked by :func:`app.services.tracking.store_and_check_in` (one INSERT for all,
idempotent by terminal and time, live checks, alerts). The fixes of a vehicle that is on no waybill in transit
(or from before its trip's departure) are not refused as a platform's feed would be, since a terminal cannot
act on a refusal: they are kept for the vehicle in ``vehicle_fixes`` (the same key) and checked against
nothing. Fixes without a satellite position (status bit 1 clear) carry no place and are not stored. A batch is
one transaction, stored whole or not at all.

The terminal's own alarm flags (JT/T 808-2013 §8.18 Table 24) become alerts where they mean something for the
supervision of the trip: :data:`ALERTING`. A flag raised opens an alert (``terminal_alarm``) for the episode;
the flag cleared ends it. Only reports newer than the terminal's last fix move the alarms: a blind-area
upload (0x0704) replays the past, whose alarms were reported when they happened.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.gateway.messages import ALARM_BITS, Location
from app.services import unit_of_work
from app.services.alerts import raise_alert
from app.services.incidents import drafts
from app.services.monitoring import TripRef
from app.services.tracking import DEPARTURE_TOLERANCE, store_and_check_in
from models import AlertKind, Severity, Terminal, Vehicle, VehicleFix, Waybill, WaybillStatus, WaybillVersion
from routing.tracks import Track, tracks_from_frame

#: Terminal alarms that become alerts, with their severity: what a supervisor acts on for a hazmat vehicle.
ALERTING: dict[str, Severity] = {
    "emergency": Severity.CRITICAL,  # the driver pressed the emergency button
    "power_cut": Severity.HIGH,  # the terminal lost main power: positions may stop (tampering)
    "gnss_antenna_cut": Severity.HIGH, "gnss_antenna_short": Severity.HIGH, "gnss_fault": Severity.HIGH,
    "overspeed": Severity.MEDIUM, "fatigue": Severity.MEDIUM,
    "route_deviation": Severity.HIGH, "area_in_out": Severity.MEDIUM, "route_in_out": Severity.MEDIUM,
}
_BITS = {name: bit for bit, name in ALARM_BITS.items()}


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class Activity:
    """One terminal's messages of an interval: how many, the last one's id and time, its locations."""

    terminal_id: str
    vehicle_id: uuid.UUID
    messages: int = 0
    last_message_id: int = 0
    last_message_at: dt.datetime | None = None
    locations: list[Location] = field(default_factory=list)


def store_activity(session: Session, activities: list[Activity]) -> dict[str, Any]:
    """Store an interval's activity of many terminals; the totals (``received``, ``stored``, ``duplicates``,
    ``kept_for_vehicle``, ``not_positioned``, ``alerts``)."""
    frame, group, terminals = _frame(activities)
    unplaced = sum(not loc.fixed for a in activities for loc in a.locations)
    totals = {"received": sum(len(a.locations) for a in activities), "stored": 0, "duplicates": 0,
              "kept_for_vehicle": 0, "not_positioned": unplaced, "alerts": 0}
    tracks = tracks_from_frame(frame, group, len(terminals), source="fixes") if len(frame) else []
    trips = _trips(session, [a.terminal_id for a in terminals])
    on_trip: list[tuple[TripRef, str, Track]] = []
    idle: list[tuple[Activity, Track]] = []
    for activity, track in zip(terminals, tracks):
        ref = trips.get(activity.terminal_id)
        if ref is None:
            idle.append((activity, track))
            continue
        before = track.time_ns < pd.Timestamp(ref.waybill.departed_at - DEPARTURE_TOLERANCE).value
        if before.any():
            idle.append((activity, _part(track, before)))
        on_trip.append((ref, activity.terminal_id, _part(track, ~before)))
    with unit_of_work(session):  # one transaction: a batch is stored whole or not at all (then tried again)
        totals["kept_for_vehicle"] = _store_idle(session, idle)
        totals["alerts"] = _alarms_and_state(session, activities, trips)
        if on_trip:
            reports = store_and_check_in(session, on_trip)
            totals["stored"] = sum(r["stored"] for r in reports)
            totals["duplicates"] = sum(r["duplicates"] for r in reports)
    return totals


def _frame(activities: list[Activity]) -> tuple[pd.DataFrame, np.ndarray, list[Activity]]:
    """The positioned locations as the track reader's table (epoch seconds, lon, lat, speed), each row's
    terminal (an index into the terminals that have some)."""
    terminals = [a for a in activities if any(loc.fixed for loc in a.locations)]
    rows = [(n, loc.at.timestamp(), loc.lon, loc.lat, loc.speed_kph)
            for n, a in enumerate(terminals) for loc in a.locations if loc.fixed]
    frame = pd.DataFrame(rows, columns=["group", "time", "lon", "lat", "speed"])
    return frame.drop(columns="group"), frame["group"].to_numpy(dtype=np.intp), terminals


def _part(track: Track, rows: np.ndarray) -> Track:
    return Track(track.lon[rows], track.lat[rows], track.time_ns[rows],
                 None if track.speed_kph is None else track.speed_kph[rows], int(rows.sum()),
                 track.dropped if rows.all() else [])


#: What ingestion and the live checks read of a waybill and of its current version (:class:`TripRef`).
_WAYBILL = (Waybill.id, Waybill.number, Waybill.status, Waybill.carrier_id, Waybill.shipper_id, Waybill.consignee_id,
            Waybill.corridor_id, Waybill.pass_number, Waybill.departed_at, Waybill.delivered_at)
_VERSION = (WaybillVersion.id, WaybillVersion.vehicle_id, WaybillVersion.loading_site_id,
            WaybillVersion.unloading_site_id, WaybillVersion.departure_earliest, WaybillVersion.departure_latest)
#: The waybills in transit of terminals' vehicles as plain rows (Core: a batch names thousands of terminals, and
#: ORM objects for each waybill and version cost more than the query).
_IN_TRANSIT = (select(*(c.label(f"w_{c.key}") for c in _WAYBILL), *(c.label(f"v_{c.key}") for c in _VERSION),
                      Vehicle.gps_terminal_id, Vehicle.plate)
               .join(WaybillVersion, and_(WaybillVersion.waybill_id == Waybill.id,
                                          WaybillVersion.version == Waybill.version))
               .join(Vehicle, Vehicle.id == WaybillVersion.vehicle_id)
               .where(Waybill.status == WaybillStatus.IN_TRANSIT,
                      Vehicle.gps_terminal_id.in_(bindparam("terminals", expanding=True))))


def _trips(session: Session, terminal_ids: list[str]) -> dict[str, TripRef]:
    """The waybill in transit of each terminal's vehicle (a terminal on two, a registry error, has none); the
    waybill and version of each :class:`TripRef` are plain rows with the attributes the checks read."""
    if not terminal_ids:
        return {}
    found: dict[str, list[Any]] = {}
    for row in session.execute(_IN_TRANSIT, {"terminals": terminal_ids}):
        found.setdefault(row.gps_terminal_id, []).append(row)
    return {terminal: _ref(r[0]) for terminal, r in found.items()
            if len(r) == 1 and r[0].w_departed_at is not None}


_WAYBILL_KEYS, _VERSION_KEYS = [c.key for c in _WAYBILL], [c.key for c in _VERSION]


def _ref(row: Any) -> TripRef:
    """A row of :data:`_IN_TRANSIT` as a :class:`TripRef` whose waybill and version carry the columns read."""
    waybill = SimpleNamespace(**dict(zip(_WAYBILL_KEYS, row[:len(_WAYBILL)])))
    version = SimpleNamespace(**dict(zip(_VERSION_KEYS, row[len(_WAYBILL):len(_WAYBILL) + len(_VERSION)])))
    return TripRef(waybill, version, row.plate)


def _store_idle(session: Session, idle: list[tuple[Activity, Track]]) -> int:
    """Keep the fixes of vehicles on no trip, once each (terminal, time); how many were new."""
    rows = [{"terminal_id": a.terminal_id, "vehicle_id": a.vehicle_id, "lon": float(lon), "lat": float(lat),
             "at": _EPOCH + dt.timedelta(microseconds=int(ns) // 1000),
             "speed_kph": None if t.speed_kph is None or np.isnan(t.speed_kph[i]) else float(t.speed_kph[i])}
            for a, t in idle for i, (ns, lon, lat) in enumerate(zip(t.time_ns, t.lon, t.lat))]
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(VehicleFix).on_conflict_do_nothing(index_elements=["terminal_id", "at"])
    return len(session.execute(stmt.returning(VehicleFix.at), rows).all())


def _alarms_and_state(session: Session, activities: list[Activity], trips: dict[str, TripRef]) -> int:
    """Move each terminal's alarms on by its new reports and record its last message; the alerts changed."""
    ids = [a.terminal_id for a in activities]
    known = {row.terminal_id: row for row in session.execute(
        select(Terminal.terminal_id, Terminal.alarm_flags, Terminal.alarm_since, Terminal.last_fix_at,
               Terminal.last_position, Vehicle.carrier_id, Vehicle.plate)
        .join(Vehicle, Vehicle.id == Terminal.vehicle_id).where(Terminal.terminal_id.in_(ids)))}
    changed, updates = 0, []
    for activity in activities:
        state = known.get(activity.terminal_id)
        if state is None:
            continue
        flags, since, last_fix = state.alarm_flags, dict(state.alarm_since or {}), state.last_fix_at
        latest: Location | None = None
        for loc in sorted(activity.locations, key=lambda loc: loc.at):
            if last_fix is not None and loc.at <= last_fix:
                continue  # the past (a blind-area upload): its alarms were current when they happened
            if loc.alarm != flags:
                changed += _alarm_changes(session, activity, state, trips.get(activity.terminal_id), flags, loc,
                                          since)
                flags = loc.alarm
            last_fix, latest = loc.at, loc
        position = state.last_position if latest is None else _position_json(latest)
        updates.append({"k": activity.terminal_id, "flags": flags, "since": since, "fix": last_fix,
                        "position": position, "at": activity.last_message_at, "id": activity.last_message_id,
                        "n": activity.messages})
    if updates and session.get_bind().dialect.name == "postgresql":  # one statement over arrays
        columns = {name: [u[name] for u in updates] for name in ("k", "flags", "fix", "at", "id", "n")}
        session.execute(_RECORD_ARRAYS, columns | {name: [json.dumps(u[name]) for u in updates]
                                                   for name in ("since", "position")})
    elif updates:  # one statement, executed for each terminal (Core: no ORM objects for thousands of rows)
        session.execute(_RECORD, updates)
    return changed


_TERMINALS = Terminal.__table__
_RECORD = update(_TERMINALS).where(_TERMINALS.c.terminal_id == bindparam("k")).values(
    alarm_flags=bindparam("flags"), alarm_since=bindparam("since"), last_fix_at=bindparam("fix"),
    last_position=bindparam("position"), last_message_at=bindparam("at"), last_message_id=bindparam("id"),
    messages=_TERMINALS.c.messages + bindparam("n"))
#: The same on PostgreSQL as one statement over arrays (one row each), not an UPDATE executed per terminal.
_RECORD_ARRAYS = text("""
    UPDATE terminals AS t
    SET alarm_flags = v.flags, alarm_since = CAST(v.since AS json), last_fix_at = v.fix,
        last_position = CAST(v.position AS json), last_message_at = v.at, last_message_id = v.id,
        messages = t.messages + v.n
    FROM unnest(CAST(:k AS text[]), CAST(:flags AS bigint[]), CAST(:since AS text[]), CAST(:fix AS timestamptz[]),
                CAST(:position AS text[]), CAST(:at AS timestamptz[]), CAST(:id AS int[]), CAST(:n AS bigint[]))
         AS v(k, flags, since, fix, position, at, id, n)
    WHERE t.terminal_id = v.k
""")


def _alarm_changes(session: Session, activity: Activity, vehicle: Any, trip: TripRef | None, before: int,
                   loc: Location, since: dict[str, str]) -> int:
    """Open an alert for each alerting flag *loc* raises, end the alert of each it clears (*vehicle*: its
    ``plate`` and ``carrier_id``)."""
    changed = 0
    for name, severity in ALERTING.items():
        was, now = before >> _BITS[name] & 1, loc.alarm >> _BITS[name] & 1
        if was == now:
            continue
        if now:
            since[name] = loc.at.isoformat()
        started = dt.datetime.fromisoformat(since.get(name, loc.at.isoformat()))
        key = f"terminal_alarm:{activity.terminal_id}:{name}:{started.isoformat()}"
        _, change = raise_alert(
            session, key=key,
            kind=AlertKind.TERMINAL_ALARM, severity=severity,
            subject=vehicle.plate, started_at=started,
            last_seen_at=loc.at, ended_at=None if now else loc.at, enterprise_id=vehicle.carrier_id,
            waybill_id=trip.waybill.id if trip else None, lon=loc.lon if loc.fixed else None,
            lat=loc.lat if loc.fixed else None,
            details={"alarm": name, "bit": _BITS[name], "terminal": activity.terminal_id,
                     "speed_kph": loc.speed_kph})
        if not now:
            since.pop(name, None)
        elif name == "emergency":  # and an incident draft for a supervisor to confirm or dismiss
            drafts.from_alarm(session, key=key, waybill_id=trip.waybill.id if trip else None,
                              carrier_id=vehicle.carrier_id, position=_place(loc, vehicle.last_position), at=loc.at)
        changed += change is not None
    return changed


def _place(loc: Location, last_position: dict[str, Any] | None) -> tuple[float, float] | None:
    """Where the vehicle is by this report, else by the terminal's last positioned one."""
    if loc.fixed:
        return loc.lon, loc.lat
    if last_position and last_position.get("positioned"):
        return last_position["lon"], last_position["lat"]
    return None


def _position_json(loc: Location) -> dict[str, Any]:
    return {"at": loc.at.isoformat(), "lon": loc.lon, "lat": loc.lat, "altitude_m": loc.altitude_m,
            "speed_kph": loc.speed_kph, "heading": loc.heading, "alarm": loc.alarm, "alarms": loc.alarms,
            "status": loc.status, "positioned": loc.fixed, **loc.items,
            "raw_items": {f"0x{k:02X}": v for k, v in loc.raw.items()}}
