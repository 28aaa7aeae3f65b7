"""Signal gaps and the planned departure window: episodes told by times, not by runs of fixes.

A gap is a stretch of more than ``max_gap_s`` without a fix: between two fixes (found when the later one
arrives), or since the last fix (or since departure, before the first) while nothing arrives at all (found by
the sweep, :mod:`.sweep`). Both name the episode by its start, the last fix before the silence, so the sweep's
alert for a silent vehicle is the one the next batch ends. A gap is "unknown", never "compliant".

While the gap goes on, its ``gap_s`` is the last tier threshold it has passed (``max_gap_s``, 30 min, 2 h), so
each sweep does not rewrite the alert; once the next fix has come, it is the exact gap.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy.orm import Session

from app.services.gps_store import StoredFixes
from app.services.monitoring.findings import TIERS, Finding, raise_finding
from app.services.monitoring.runs import nanoseconds, stamp
from app.services.monitoring.settings import MonitorSettings
from app.services.monitoring.trip import Trip
from models import Alert, AlertKind, TripState, Waybill


def _silence(trip: Trip, seconds: float, settings: MonitorSettings, *, ongoing: bool = False) -> Finding:
    return Finding(AlertKind.SIGNAL_GAP, {"gap_s": round(seconds, 1), "max_gap_s": settings.max_gap_s,
                                          "ongoing": ongoing})


def batch_gaps(session: Session, trip: Trip, state: TripState, waybill: Waybill, new: StoredFixes,
               settings: MonitorSettings) -> list[Alert]:
    """The gaps the batch *new* closes: before its first fix, and between its fixes."""
    before_ns, lon, lat = None, None, None
    if state.last_at is not None:
        before_ns, lon, lat = nanoseconds(state.last_at), state.last_lon, state.last_lat
    elif waybill.departed_at is not None and nanoseconds(waybill.departed_at) < new.time_ns[0]:
        before_ns = nanoseconds(waybill.departed_at)
    times = new.time_ns if before_ns is None else np.concatenate(([before_ns], new.time_ns))
    lons = new.lon if before_ns is None else np.concatenate(([np.nan if lon is None else lon], new.lon))
    lats = new.lat if before_ns is None else np.concatenate(([np.nan if lat is None else lat], new.lat))
    found = []
    for i in np.flatnonzero(np.diff(times) > settings.max_gap_s * 1e9).tolist():  # one per gap, not per fix
        start, end = stamp(int(times[i])), stamp(int(times[i + 1]))
        where = {} if np.isnan(lons[i]) else {"lon": float(lons[i]), "lat": float(lats[i])}
        alert = raise_finding(session, trip, _silence(trip, (end - start).total_seconds(), settings),
                              started_at=start, last_seen_at=end, ended_at=end, **where)
        if alert is not None:
            found.append(alert)
    return found


def ongoing_gap(session: Session, trip: Trip, state: TripState, waybill: Waybill, now: dt.datetime,
                settings: MonitorSettings) -> Alert | None:
    """The gap since the last fix (or departure) when it is longer than ``max_gap_s`` at *now*, else nothing."""
    since = state.last_at or waybill.departed_at
    if since is None or (now - since).total_seconds() <= settings.max_gap_s:
        return None
    passed = [settings.max_gap_s, *(least for name, least, _ in TIERS[AlertKind.SIGNAL_GAP][1] if name == "gap_s")]
    silent = max(t for t in passed if t <= (now - since).total_seconds())
    where = {} if state.last_lon is None else {"lon": state.last_lon, "lat": state.last_lat}
    return raise_finding(session, trip, _silence(trip, silent, settings, ongoing=True), started_at=since,
                         last_seen_at=since, ended_at=None, **where)


def departure(session: Session, trip: Trip, waybill: Waybill) -> Alert | None:
    """A departure before the planned window opened or after it closed."""
    (earliest, latest), departed = trip.departure_window, waybill.departed_at
    if departed is None:
        return None
    if earliest is not None and departed < earliest:
        off, how = earliest - departed, "early"
    elif latest is not None and departed > latest:
        off, how = departed - latest, "late"
    else:
        return None
    planned = [t.isoformat() if t else None for t in (earliest, latest)]
    finding = Finding(AlertKind.TIME_WINDOW, {"window": "departure", "off_by_s": off.total_seconds(), "how": how,
                                              "planned": planned}, tag="departure")
    return raise_finding(session, trip, finding, started_at=departed, last_seen_at=departed, ended_at=departed)
