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
attached at approval, with the forbidden zones around it; with map matching on, on the trip's match, computed
once while its fixes stay as they are (:mod:`app.services.trip_match`).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from app.errors import Conflict, MalformedBody, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import monitoring, unit_of_work
from app.services.corridors import trip_geojson
from app.services.gps_store import VehicleFixes, store_vehicle_fixes
from app.services.monitoring import TripRef
from app.services.monitoring.settings import current_settings
from app.services.road_network import matching_graph
from app.services.trip_match import match_parameters, stored_track, trip_match
from app.services.waybills.listing import party_to
from app.services.waybills.service import get_waybill
from models import Corridor, Role, User, Vehicle, Waybill, WaybillStatus, WaybillVersion
from models.types import utcnow
from routing import RoutingInputError
from routing._lazy import lazy
from routing.checks import FixState, find_episodes, fix_states
from routing.corridors import load_corridor
from routing.tracks import Track, track_from_frame

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

MAX_FIXES = 10_000
CLOCK_SKEW = dt.timedelta(seconds=60)
#: The bounds of a request's fixes, checked before any parser runs, so that every parse is linear in a body of
#: bounded size (see docs/security.md): the body (10,000 fixes of a feed take about 1.2 MB as JSON), the
#: columns (a fix has at most six), a CSV line, and a JSON text value (a time, a waybill id, a terminal).
MAX_TRACK_BODY_BYTES = 4 * 1024 * 1024
MAX_COLUMNS = 16
MAX_LINE_BYTES = 1024
MAX_TEXT_CHARS = 64
#: What a JSON fix's value may be (a nested object or list is no fix's field).
_JSON_SCALARS = frozenset({str, float, int, bool, type(None)})
#: How long before the recorded departure a terminal's fixes still belong to the trip: the vehicle moves off
#: the loading bay before the carrier records the departure.
DEPARTURE_TOLERANCE = dt.timedelta(minutes=10)


class TooManyFixes(ValidationFailed):
    status = 413
    code = "too_many_fixes"


#: Columns that name a fix's vehicle in a feed: read as text (a terminal number's leading zero matters).
KEY_COLUMNS = {"waybill": str, "terminal": str}


def parse_fixes(body: bytes, mimetype: str) -> pd.DataFrame:
    """A JSON ``{"fixes": [{time, lon, lat, speed?}, ...]}`` or CSV (``time,lon,lat[,speed]``) body as a table
    (a feed's fixes also name their ``waybill`` or ``terminal``), refused (422) beyond the bounds above."""
    try:
        frame = _csv_fixes(body) if mimetype == "text/csv" else _json_fixes(body)
    except json.JSONDecodeError:
        raise MalformedBody("The request body is not valid JSON.") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, csv.Error) as error:
        raise ValidationFailed("The body could not be read as fixes.", errors={"fixes": [str(error)[:200]]}) from None
    _check_count(len(frame))
    return frame


def _check_count(fixes: int) -> None:
    if fixes > MAX_FIXES:
        raise TooManyFixes(Text("{fixes} fixes in one request; send at most {most}.", fixes=fixes, most=MAX_FIXES),
                           errors={"fixes": [Text("at most {most}", most=MAX_FIXES)]})


def _check_columns(names: list[str]) -> None:
    """At most :data:`MAX_COLUMNS` columns, each named once (as the track reader matches them: trimmed, in any
    case). pandas would rename each duplicate by searching the list of names for a free one, quadratic in the
    columns: 20,000 duplicates took minutes."""
    if len(names) > MAX_COLUMNS:
        raise ValidationFailed(Text("{count} columns; a fix has at most {most}.", count=len(names), most=MAX_COLUMNS),
                               errors={"fixes": [Text("at most {most} columns", most=MAX_COLUMNS)]})
    seen: set[str] = set()
    for name in names:
        key = str(name).strip().lower()
        if key in seen:
            raise ValidationFailed(Text("The column '{key}' is named twice.", key=key),
                                   errors={"fixes": [Text("duplicate column '{key}'", key=key)]})
        seen.add(key)


def _csv_fixes(body: bytes) -> pd.DataFrame:
    """The CSV body's table, once its lines and header are within bounds."""
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == ord("\n"))
    longest = int(np.diff(ends, prepend=-1, append=len(body)).max()) - 1
    if longest > MAX_LINE_BYTES:
        raise ValidationFailed(Text("A line of {longest} bytes; a fix's line has at most {most}.", longest=longest,
                                    most=MAX_LINE_BYTES),
                               errors={"fixes": [Text("lines of at most {most} bytes", most=MAX_LINE_BYTES)]})
    header = body[:ends[0]] if len(ends) else body
    _check_columns(next(csv.reader([header.decode("utf-8-sig")]), []))
    return pd.read_csv(io.BytesIO(body), dtype=KEY_COLUMNS)  # numbers parsed in C here, not one by one


def _json_int(text: str) -> int | float:
    """A JSON integer; past int64's digits a float (a 400-digit one is infinity, out of every range), which
    the table's columns hold anyway: pandas cannot convert a longer Python int."""
    return int(text) if len(text) <= 18 else float(text)


def _json_fixes(body: bytes) -> pd.DataFrame:
    """The JSON body's table, once its fixes, their fields and values are within bounds."""
    payload = json.loads(body or b"null", parse_int=_json_int)
    fixes = payload.get("fixes") if isinstance(payload, dict) else None
    if not isinstance(fixes, list) or not all(isinstance(f, dict) for f in fixes):
        raise ValidationFailed("Send {\"fixes\": [{time, lon, lat}, ...]}.",
                               errors={"fixes": [N_("a list of fix objects is required")]})
    _check_count(len(fixes))
    columns = dict.fromkeys(fixes[0] if fixes else ())  # the first fix's order, then any others
    columns.update(dict.fromkeys(set().union(*fixes)))
    _check_columns(list(columns))
    # Column by column: twice as fast as a frame from the list of dicts, the same table.
    table = {name: [fix.get(name) for fix in fixes] for name in columns}
    for name, values in table.items():
        if not set(map(type, values)) <= _JSON_SCALARS or max(
                (len(v) for v in values if type(v) is str), default=0) > MAX_TEXT_CHARS:
            raise ValidationFailed(Text("A fix's {name!r} is neither a number nor a short text.", name=name), errors={
                f"fixes.{name}": [Text("a number, true/false, null or a text of at most {max_text_chars} characters",
                                       max_text_chars=MAX_TEXT_CHARS)]})
    return pd.DataFrame(table)


def ingest(session: Session, user: User, waybill_id: uuid.UUID,
           fixes: pd.DataFrame | Callable[[], pd.DataFrame]) -> dict[str, Any]:
    """Store the valid fixes of the table *fixes* (or of the table a call of *fixes* reads, once the waybill is
    found to be one *user* may report for: a request's body is parsed for no one else) for the waybill's
    vehicle; report what was dropped or already known.

    The batch is committed before this returns, so a client that gets the report knows its fixes are kept.
    """
    ref, terminal = _reporting_waybill(session, user, waybill_id)
    frame = fixes() if callable(fixes) else fixes
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

    Fixes in the future (beyond the clock skew allowed), and fixes outside the trip (before its departure, less
    :data:`DEPARTURE_TOLERANCE`, or after its arrival) are dropped and reported by reason, not stored: stored,
    a fix of another day would be a months-long signal gap in the trip's compliance.
    """
    with unit_of_work(session):
        return store_and_check_in(session, vehicles)


def store_and_check_in(session: Session, vehicles: list[tuple[TripRef, str, Track]]) -> list[dict[str, Any]]:
    """:func:`store_and_check` inside the caller's transaction (the caller commits)."""
    latest = pd.Timestamp(utcnow() + CLOCK_SKEW).value
    keep, dropped = [], []
    for ref, _, track in vehicles:  # one pass per vehicle
        dropped.append(list(track.dropped))
        outside = {"time in the future": track.time_ns > latest}
        if ref.waybill.departed_at is not None:
            outside["before the departure"] = track.time_ns < pd.Timestamp(
                ref.waybill.departed_at - DEPARTURE_TOLERANCE).value
        if ref.waybill.delivered_at is not None:
            outside["after the arrival"] = track.time_ns > pd.Timestamp(ref.waybill.delivered_at).value
        kept = np.ones(len(track), dtype=bool)
        for reason, rows in outside.items():
            if rows.any():
                dropped[-1].append({"reason": reason, "count": int(rows.sum()), "rows": []})
                kept &= ~rows
        keep.append(kept)
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
        raise NotFound(Text("No waybill {id}.", id=waybill_id))
    waybill, version, terminal, plate = found
    if party and user.enterprise_id != waybill.carrier_id:
        raise PermissionDenied("Only the carrier reports positions.")
    if waybill.status is not WaybillStatus.IN_TRANSIT:
        raise Conflict(Text("Waybill {number} is '{status}', not in transit: positions are refused.",
                            number=waybill.number, status=waybill.status),
                       code="not_in_transit")
    if terminal is None:
        raise Conflict(Text("Waybill {number}'s vehicle has no GPS terminal: positions cannot be keyed.",
                            number=waybill.number),
                       code="no_terminal")
    return TripRef(waybill, version, plate), terminal


def _corridor_check(waybill_id: uuid.UUID, track: Track, document: dict[str, Any], classes: set[str] | None
                    ) -> tuple[list[dict[str, Any]], FixState, str]:
    """The corridor's episodes in a trip's fixes, the per-fix states and how they were judged: by the roads
    driven as the live checks judge them (``MONITOR_MAP_MATCH`` on and the network ready: ``route check
    --match``'s rule, :func:`routing.road_check.corridor_episodes`, a road list by the edges it names), else by
    the buffer (``route check``'s; a road list by the buffer of its roads' centre lines, stored with the
    corridor). The trip's match is computed once while its fixes stay as they are
    (:func:`app.services.trip_match.trip_match`)."""
    settings = current_settings()
    graph = matching_graph() if settings.map_match else None
    params = settings.check_parameters()  # the live checks' thresholds (the CLI's by default)
    if graph is None:
        state = fix_states(track, load_corridor(document), hazard_classes=classes)
        return find_episodes(track, state, params), state, "buffer"
    from routing.road_check import corridor_episodes

    match = match_parameters(settings)
    episodes, state, _ = corridor_episodes(track, load_corridor(document, network=graph.network), graph, params,
                                           hazard_classes=classes, match=match,
                                           result=trip_match(waybill_id, track, graph, match))
    return episodes, state, "map_match"


def compliance(session: Session, user: User, waybill_id: uuid.UUID) -> dict[str, Any]:
    """Episodes, the share of the trip inside the corridor, and the route actually driven (GeoJSON)."""
    return checked_trip(session, user, waybill_id)[0]


def checked_trip(session: Session, user: User, waybill_id: uuid.UUID) -> tuple[dict[str, Any], Track | None]:
    """:func:`compliance`'s report and the validated track it checked (None before any fix is stored): the
    waybill's map draws the roads driven from the same track, without reading the fixes again."""
    waybill = get_waybill(session, user, waybill_id)  # first: only then are its fixes read (and their match)
    if waybill.corridor_id is None:
        raise Conflict(Text("Waybill {number} has no corridor attached: nothing to check against.",
                            number=waybill.number),
                       code="no_corridor")
    result: dict[str, Any] = {"waybill": waybill.number, "status": str(waybill.status), "points": 0}
    classes = {line.hazard_class for line in waybill.current.lines if line.hazard_class}
    try:
        track = stored_track(session, waybill.id)
        if track is None:
            return {**result, "compliant": None, "inside_share": None, "episodes": [], "route_driven": None,
                    "note": "no position received yet: compliance unknown"}, None
        document = trip_geojson(session, session.get(Corridor, waybill.corridor_id),
                                holds_pass=waybill.pass_number is not None)
        episodes, state, method = _corridor_check(waybill.id, track, document, classes or None)
    except RoutingInputError as error:
        raise Conflict(Text("The trip cannot be checked against its corridor: {error}",
                            error=error), code="uncheckable") from None
    return {**result, "points": track.points, "valid_points": len(track), "compliant": not episodes,
            "method": method, "inside_share": round(float(1 - state.outside.mean()), 4), "episodes": episodes,
            "route_driven": {"type": "LineString",
                             "coordinates": np.column_stack([track.lon, track.lat]).round(6).tolist()}}, track
