"""From an episode to an alert: its kind, title, details and severity, and the key that debounces it.

Severity tiers (an alert takes the highest tier its details reach; it never falls, see
:func:`app.services.alerts.raise_alert`):

=================  =========  ===============================================================
kind               from       rises to
=================  =========  ===============================================================
deviation          medium     high at 500 m off or 10 min; critical at 2 km off
forbidden_zone     high       critical after 2 min inside (a no-stop zone: stopped 2 min)
stop               low        medium after 1 h; high after 2 h
arrival_elsewhere  high
signal_gap         medium     high after 30 min without a fix; critical after 2 h
time_window        medium     high after 10 min, or a departure 2 h off its window
overspeed          medium     high at 1.2 × the limit; critical at 1.5 ×
fatigue_driving    high       critical after 5 h of driving (an hour past the limit)
=================  =========  ===============================================================

An episode's alert key is ``kind:waybill:start`` (``kind:waybill:zone:start`` for zones, where two may start
at one fix): the same episode seen again, by the next batch or by the sweep, updates the same alert.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.services.alerts import raise_alert
from app.services.monitoring.roads import MATCHED
from app.services.monitoring.runs import Run, stamp
from app.services.monitoring.settings import MonitorSettings
from app.services.monitoring.trip import Trip
from models import Alert, AlertKind, Severity
from routing.corridors import CorridorFeature
from routing.fatigue import MIN_REST_S, FatigueEpisode
from routing.projection import to_metric

_L, _M, _H, _C = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL
#: kind → (base tier, ((detail, at least, tier), ...)).
TIERS: dict[AlertKind, tuple[Severity, tuple[tuple[str, float, Severity], ...]]] = {
    AlertKind.DEVIATION: (_M, (("max_offset_m", 500, _H), ("duration_s", 600, _H), ("max_offset_m", 2000, _C))),
    AlertKind.FORBIDDEN_ZONE: (_H, (("duration_s", 120, _C),)),
    AlertKind.STOP: (_L, (("duration_s", 3600, _M), ("duration_s", 7200, _H))),
    AlertKind.ARRIVAL_ELSEWHERE: (_H, ()),
    AlertKind.SIGNAL_GAP: (_M, (("gap_s", 1800, _H), ("gap_s", 7200, _C))),
    AlertKind.TIME_WINDOW: (_M, (("duration_s", 600, _H), ("off_by_s", 7200, _H))),
    AlertKind.OVERSPEED: (_M, (("speed_ratio", 1.2, _H), ("speed_ratio", 1.5, _C))),
    AlertKind.FATIGUE_DRIVING: (_H, (("driving_s", 5 * 3600, _C),)),
}


@dataclass(frozen=True)
class Finding:
    """What an episode means, before it is an alert."""

    kind: AlertKind
    details: dict[str, Any] = field(default_factory=dict)
    tag: str = ""
    site_id: uuid.UUID | None = None

    @property
    def severity(self) -> Severity:
        base, rules = TIERS[self.kind]
        reached = [tier for name, least, tier in rules if self.details.get(name, 0) >= least]
        return max([base, *reached], key=lambda tier: tier.rank)


def raise_finding(session: Session, trip: Trip, finding: Finding, *, started_at: dt.datetime,
                  last_seen_at: dt.datetime, ended_at: dt.datetime | None, lon: float | None = None,
                  lat: float | None = None) -> Alert | None:
    """Open or update the alert of this episode; the alert when something changed, else ``None``."""
    key = ":".join(part for part in (str(finding.kind), str(trip.waybill_id), finding.tag, started_at.isoformat())
                   if part)
    alert, change = raise_alert(
        session, key=key, kind=finding.kind, severity=finding.severity, subject=trip.label, started_at=started_at,
        last_seen_at=last_seen_at, ended_at=ended_at, enterprise_id=trip.carrier_id, waybill_id=trip.waybill_id,
        site_id=finding.site_id, lon=lon, lat=lat, details=finding.details)
    return alert if change else None


def raise_run(session: Session, trip: Trip, finding: Finding, run: Run, *, ended: bool) -> Alert | None:
    """Open or update the alert of a run: from its first fix to its last (ended, or still going)."""
    return raise_finding(session, trip, finding, started_at=stamp(run.start_ns), last_seen_at=stamp(run.end_ns),
                         ended_at=stamp(run.end_ns) if ended else None, lon=run.start_lon, lat=run.start_lat)


def _extent(run: Run) -> dict[str, Any]:
    return {"duration_s": round(run.duration_s, 1), "points": run.points, "length_m": round(run.length_m, 1)}


def _by_road(run: Run, method: str | None) -> dict[str, Any]:
    """How the fixes were judged (only with ``MONITOR_MAP_MATCH``) and, when by road, the roads driven."""
    if method is None:
        return {}
    return {"method": method, **({"roads": run.labels} if method == MATCHED else {})}


def deviation(trip: Trip, run: Run, method: str | None = None) -> Finding:
    return Finding(AlertKind.DEVIATION, {**_extent(run), "max_offset_m": round(run.peak, 1), **_by_road(run, method)})


def corridor_closed(trip: Trip, run: Run) -> Finding:
    return Finding(AlertKind.TIME_WINDOW, {**_extent(run), "window": "corridor"})


def zone_tag(zone: CorridorFeature) -> str:
    """A short stable name for a zone in keys and run names (zone names may be long)."""
    return hashlib.sha1(zone.name.encode()).hexdigest()[:10]


def forbidden_zone(trip: Trip, zone: CorridorFeature, run: Run) -> Finding:
    return Finding(AlertKind.FORBIDDEN_ZONE, {**_extent(run), "zone": zone.name, "rule": zone.rule}, tag=zone_tag(zone))


def stop(trip: Trip, run: Run, settings: MonitorSettings) -> Finding:
    """A long stop outside a permitted place; near the destination (but not at it), an arrival elsewhere."""
    x, y = to_metric(run.start_lon, run.start_lat, trip.crs)
    distance = float(trip.to_unloading_m(x.reshape(1), y.reshape(1))[0])
    if distance <= settings.arrival_near_m:
        return Finding(AlertKind.ARRIVAL_ELSEWHERE, {**_extent(run), "distance_m": round(distance, 1)},
                       site_id=trip.unloading_site_id)
    return Finding(AlertKind.STOP, _extent(run))


def overspeed(trip: Trip, run: Run, settings: MonitorSettings, method: str | None = None) -> Finding:
    """Over the limit: the road's (the lowest over the run, Order 29 Art. 46) when matched, else the flat one."""
    limit = settings.speed_limit_kph if run.low is None else run.low
    return Finding(AlertKind.OVERSPEED, {**_extent(run), "max_speed_kph": round(run.peak, 1), "limit_kph": limit,
                                         "speed_ratio": round(run.peak / limit, 3), **_by_road(run, method)})


def fatigue_driving(trip: Trip, episode: FatigueEpisode) -> Finding:
    """More than 4 h of driving without a rest of 20 minutes: since when, and how long so far."""
    return Finding(AlertKind.FATIGUE_DRIVING,
                   {"duration_s": round((episode.end_ns - episode.start_ns) / 1e9, 1),
                    "driving_since": stamp(episode.driving_since_ns).isoformat(),
                    "driving_s": round(episode.driving_s, 1), "rest_min": MIN_REST_S / 60})
