"""GPS fixes for a waybill in transit, and the trip's compliance computed from them.

Ingestion validates a whole batch at once with the routing engine's track reader (the same rules as
``hazledger route check``: bad rows are reported, impossible jumps dropped), refuses fixes in the future, and
stores the rest in one statement (:mod:`app.services.gps_store`), committed before the report goes back; a
fix already stored for the terminal at that time is skipped, so a retried upload never duplicates. The live
checks run in the same transaction (:func:`app.services.monitoring.check_batches`).

One path for one vehicle and for many: :func:`ingest` (``POST /waybills/{id}/track``, one waybill) and
:func:`app.services.tracking_feed.ingest_feed` (``POST /track``, a carrier platform's feed naming each fix's
waybill or terminal) both end in :func:`store_and_check`, which stores every vehicle's fixes in one INSERT and
checks each vehicle's own fixes against its own trip.
Compliance re-reads the trip's fixes in time order and runs the routing engine's check against the corridor
attached at approval, with the forbidden zones around it.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from app.errors import Conflict, MalformedBody, NotFound, PermissionDenied, ValidationFailed
from app.services import monitoring, unit_of_work
from app.services.corridors import trip_geojson
from app.services.gps_store import VehicleFixes, store_vehicle_fixes
from app.services.monitoring import TripRef
from app.services.waybills.listing import party_to
from app.services.waybills.service import get_waybill
from models import Corridor, GpsFix, Role, User, Vehicle, Waybill, WaybillStatus, WaybillVersion
from models.types import utcnow
from routing import RoutingInputError
from routing.checks import CheckParameters, find_episodes, fix_states
from routing.corridors import load_corridor
from routing.tracks import Track, track_from_frame

MAX_FIXES = 10_000
CLOCK_SKEW = dt.timedelta(seconds=60)


class TooManyFixes(ValidationFailed):
    status = 413
    code = "too_many_fixes"


#: Columns that name a fix's vehicle in a feed: read as text (a terminal number's leading zero matters).
KEY_COLUMNS = {"waybill": str, "terminal": str}


def parse_fixes(body: bytes, mimetype: str) -> pd.DataFrame:
    """A JSON ``{"fixes": [{time, lon, lat, speed?}, ...]}`` or CSV (``time,lon,lat[,speed]``) body as a table
    (a feed's fixes also name their ``waybill`` or ``terminal``)."""
    try:
        if mimetype == "text/csv":
            frame = pd.read_csv(io.BytesIO(body), dtype=KEY_COLUMNS)  # numbers parsed in C here, not one by one
        else:
            payload = json.loads(body or b"null")
            fixes = payload.get("fixes") if isinstance(payload, dict) else None
            if not isinstance(fixes, list) or not all(isinstance(f, dict) for f in fixes):
                raise ValidationFailed("Send {\"fixes\": [{time, lon, lat}, ...]}.",
                                       errors={"fixes": ["a list of fix objects is required"]})
            columns = dict.fromkeys(fixes[0] if fixes else ())  # the first fix's order, then any others
            columns.update(dict.fromkeys(set().union(*fixes)))
            # Column by column: twice as fast as a frame from the list of dicts, the same table.
            frame = pd.DataFrame({name: [fix.get(name) for fix in fixes] for name in columns})
            _refuse_non_scalars(frame)
    except json.JSONDecodeError:
        raise MalformedBody("The request body is not valid JSON.") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ValidationFailed("The body could not be read as fixes.", errors={"fixes": [str(error)[:200]]}) from None
    if len(frame) > MAX_FIXES:
        raise TooManyFixes(f"{len(frame)} fixes in one request; send at most {MAX_FIXES}.",
                           errors={"fixes": [f"at most {MAX_FIXES}"]})
    return frame


#: The largest integer a fix's number may be: past 2^53 it has no exact float, past about 10^308 none at all.
_MAX_EXACT_INT = 2 ** 53


def _unusable(value: Any) -> bool:
    return isinstance(value, (list, dict)) or (isinstance(value, int) and abs(value) > _MAX_EXACT_INT)


def _refuse_non_scalars(frame: pd.DataFrame) -> None:
    """A fix's values are strings or numbers a float holds: an array, an object or a 400-digit integer is none of
    its fields (pandas would fail on them later, or store them as text). Only columns pandas could not type as
    numbers hold such values, so typed columns are not looked at."""
    errors = {name: ["must be a string or a number within ±2^53"]
              for name, column in frame.items() if column.dtype == object and column.map(_unusable).any()}
    if errors:
        raise ValidationFailed("Some fixes have values that are neither text nor a number.", errors=errors)


def ingest(session: Session, user: User, waybill_id: uuid.UUID, frame: pd.DataFrame) -> dict[str, Any]:
    """Store the valid fixes of *frame* for the waybill's vehicle; report what was dropped or already known.

    The batch is committed before this returns, so a client that gets the report knows its fixes are kept.
    """
    ref, terminal = _reporting_waybill(session, user, waybill_id)
    try:
        track = track_from_frame(frame, source="fixes", min_valid=1, require_majority=False)
    except RoutingInputError as error:
        raise ValidationFailed("No usable fix.", errors={"fixes": [str(error)]}) from None
    [report] = store_and_check(session, [(ref, terminal, track)])
    return report


def store_and_check(session: Session, vehicles: list[tuple[TripRef, str, Track]]) -> list[dict[str, Any]]:
    """Store the validated fixes of one or more vehicles in one statement and check each trip's new ones, in
    one transaction committed before this returns; for each vehicle, in order, its report (``received``,
    ``stored``, ``duplicates``, ``dropped``).

    Fixes in the future (beyond the clock skew allowed) are dropped and reported, not stored.
    """
    latest = pd.Timestamp(utcnow() + CLOCK_SKEW).value
    keep, dropped = [], []
    for _, _, track in vehicles:  # one pass per vehicle
        future = track.time_ns > latest
        dropped.append(list(track.dropped))
        if future.any():
            dropped[-1].append({"reason": "time in the future", "count": int(future.sum()), "rows": []})
        keep.append(~future)
    with unit_of_work(session):
        stored = store_vehicle_fixes(session, [
            VehicleFixes(ref.waybill.id, terminal, track.time_ns[k], track.lon[k], track.lat[k],
                         None if track.speed_kph is None else track.speed_kph[k])
            for (ref, terminal, track), k in zip(vehicles, keep)])
        batches = [(ref, new) for (ref, _, _), new in zip(vehicles, stored) if len(new)]
        if batches:
            monitoring.check_batches(session, batches)
    return [{"received": track.points, "stored": len(new), "duplicates": int(k.sum()) - len(new), "dropped": d}
            for (_, _, track), new, k, d in zip(vehicles, stored, keep, dropped)]


ReportingRow = tuple[Waybill, WaybillVersion, str | None, str | None]


def reporting_rows() -> Select[ReportingRow]:
    """Waybills with what reporting their positions needs: the current version, the vehicle's terminal and
    plate (a :class:`~app.services.monitoring.TripRef` and its terminal). Callers add which waybills."""
    return (select(Waybill, WaybillVersion, Vehicle.gps_terminal_id, Vehicle.plate)
            .join(WaybillVersion, and_(WaybillVersion.waybill_id == Waybill.id,
                                       WaybillVersion.version == Waybill.version))
            .outerjoin(Vehicle, Vehicle.id == WaybillVersion.vehicle_id))


def _reporting_query(party: bool) -> Select[ReportingRow]:
    """One waybill's :func:`reporting_rows` (among those :func:`~app.services.waybills.listing.visible_waybills`
    shows: with *party*, the ``enterprise_id``'s own)."""
    query = reporting_rows().where(Waybill.id == bindparam("waybill_id"))
    return query.where(party_to(bindparam("enterprise_id"))) if party else query


#: Built once, for an enterprise's user and for the authorities: every upload runs one.
_REPORTING = {party: _reporting_query(party) for party in (False, True)}


def _reporting_waybill(session: Session, user: User, waybill_id: uuid.UUID) -> tuple[TripRef, str]:
    """The waybill *user* may report positions for (with its current version and plate), and its vehicle's
    terminal, in one query."""
    party = user.role is Role.ENTERPRISE
    found = session.execute(_REPORTING[party], {"waybill_id": waybill_id, "enterprise_id": user.enterprise_id}
                            ).one_or_none()
    if found is None:
        raise NotFound(f"No waybill {waybill_id}.")
    waybill, version, terminal, plate = found
    if party and user.enterprise_id != waybill.carrier_id:
        raise PermissionDenied("Only the carrier reports positions.")
    if waybill.status is not WaybillStatus.IN_TRANSIT:
        raise Conflict(f"Waybill {waybill.number} is '{waybill.status}', not in transit: positions are refused.",
                       code="not_in_transit")
    if terminal is None:
        raise Conflict(f"Waybill {waybill.number}'s vehicle has no GPS terminal: positions cannot be keyed.",
                       code="no_terminal")
    return TripRef(waybill, version, plate), terminal


def compliance(session: Session, user: User, waybill_id: uuid.UUID) -> dict[str, Any]:
    """Episodes, the share of the trip inside the corridor, and the route actually driven (GeoJSON)."""
    waybill = get_waybill(session, user, waybill_id)
    if waybill.corridor_id is None:
        raise Conflict(f"Waybill {waybill.number} has no corridor attached: nothing to check against.",
                       code="no_corridor")
    fixes = session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat, GpsFix.speed_kph)
                            .where(GpsFix.waybill_id == waybill.id).order_by(GpsFix.at)).all()
    result: dict[str, Any] = {"waybill": waybill.number, "status": str(waybill.status), "points": len(fixes)}
    if not fixes:
        return {**result, "compliant": None, "inside_share": None, "episodes": [], "route_driven": None,
                "note": "no position received yet: compliance unknown"}
    frame = pd.DataFrame(fixes, columns=["time", "lon", "lat", "speed"])
    epoch = pd.Timestamp(0, tz="UTC")
    frame["time"] = (pd.to_datetime(frame["time"], utc=True) - epoch) / pd.Timedelta(seconds=1)
    if frame["speed"].isna().all():
        frame = frame.drop(columns="speed")
    classes = {line.hazard_class for line in waybill.current.lines if line.hazard_class}
    try:
        track = track_from_frame(frame, source="fixes", min_valid=1, require_majority=False)
        corridor = load_corridor(trip_geojson(session, session.get(Corridor, waybill.corridor_id)))
        state = fix_states(track, corridor, hazard_classes=classes or None)
    except RoutingInputError as error:
        raise Conflict(f"The trip cannot be checked against its corridor: {error}", code="uncheckable") from None
    episodes = find_episodes(track, state, CheckParameters())
    return {**result, "valid_points": len(track), "compliant": not episodes,
            "inside_share": round(float(1 - state.outside.mean()), 4), "episodes": episodes,
            "route_driven": {"type": "LineString",
                             "coordinates": np.column_stack([track.lon, track.lat]).round(6).tolist()}}
