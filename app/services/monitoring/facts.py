"""Per-fix facts of one batch, computed at once for all its fixes (no Python loop per fix).

Where each fix is against the corridor and zones (the routing engine's :func:`~routing.checks.fix_states`), how
fast the vehicle went (:func:`~routing.checks.fix_speeds`, with the previous batch's last half minute in front so
the first fixes have a baseline), whether it drove since the fix before (:func:`~routing.fatigue.driving_intervals`),
and whether it is at a place where stopping is permitted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from app.services.gps_store import StoredFixes
from app.services.monitoring.roads import CorridorColumns, RoadFacts, road_facts
from app.services.monitoring.runs import Fixes
from app.services.monitoring.settings import MonitorSettings
from app.services.monitoring.state import joined, recent
from app.services.monitoring.trip import LoadedCorridor, Trip
from models import TripState
from routing import RoutingInputError
from routing.checks import STOP_SPEED_KPH, fix_speeds, fix_states
from routing.corridors import CorridorFeature
from routing.fatigue import driving_intervals
from routing.projection import to_metric
from routing.tracks import Track

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CorridorFacts(CorridorColumns):
    """Each fix against the corridor: off it (time windows aside), deep inside it, how far off, on it while
    its time window is closed, and inside which zones (while they apply)."""

    zones: list[tuple[CorridorFeature, BoolArray]]


@dataclass(frozen=True)
class Facts:
    """Per new fix. ``driving[i]``: the vehicle drove from the fix before (the previous batch's last for ``i = 0``;
    False for the trip's first fix)."""

    fixes: Fixes
    kph: FloatArray
    stopped: BoolArray
    driving: BoolArray
    permitted: BoolArray
    corridor: CorridorFacts | None
    roads: RoadFacts


def facts_of(trip: Trip, state: TripState, new: StoredFixes, settings: MonitorSettings) -> Facts:
    """Everything the checks need to know about each fix of *new*."""
    before = recent(state)
    both = joined(before, new)
    x, y = to_metric(both.lon, both.lat, trip.crs)
    steps = np.concatenate(([0.0], np.hypot(np.diff(x), np.diff(y))))
    time_s = (both.time_ns - both.time_ns[0]) / 1e9
    kph = fix_speeds(x, y, time_s, both.speed_kph)
    driving = np.concatenate(([False], driving_intervals(time_s, x, y, kph, max_gap_s=settings.max_gap_s)))
    new_part = slice(len(before), None)
    x, y = x[new_part], y[new_part]
    permitted = (shapely.dwithin(trip.permitted, shapely.points(x, y), settings.site_radius_m)
                 if trip.permitted is not None else np.zeros(len(new), dtype=bool))
    corridor = _corridor_facts(trip.corridor, trip, new, settings) if trip.corridor else None
    return Facts(fixes=Fixes(time_ns=new.time_ns, lon=new.lon, lat=new.lat, step_m=steps[new_part]),
                 kph=kph[new_part], stopped=kph[new_part] < STOP_SPEED_KPH, driving=driving[new_part],
                 permitted=np.asarray(permitted, bool), corridor=corridor,
                 roads=road_facts(trip, state, new, steps[new_part], kph[new_part], corridor, settings))


def _corridor_facts(loaded: LoadedCorridor, trip: Trip, new: StoredFixes,
                    settings: MonitorSettings) -> CorridorFacts | None:
    track = Track(lon=new.lon, lat=new.lat, time_ns=new.time_ns, speed_kph=new.speed_kph, points=len(new))
    with loaded.lock:
        try:
            state = fix_states(track, loaded.corridor, hysteresis_m=settings.hysteresis_m,
                               hazard_classes=trip.hazard_classes, refuse_far=False)
        except RoutingInputError as error:  # the corridor does not cover the cargo: submission should have refused
            log.warning("waybill %s: corridor checks skipped: %s", trip.waybill_id, error)
            return None
        closed = np.zeros(len(new), dtype=bool)
        if loaded.windowed(trip.hazard_classes) and state.outside.any():
            out = np.flatnonzero(state.outside)
            closed[out] = shapely.contains_xy(loaded.area(trip.hazard_classes), state.x[out], state.y[out])
    return CorridorFacts(outside=state.outside & ~closed, inside_inner=state.inside_inner, offset_m=state.offset_m,
                         closed=closed, zones=state.zones)
