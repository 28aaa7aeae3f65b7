"""Per-fix facts of one batch, computed at once for all its fixes (no Python loop per fix).

Where each fix is against the corridor and zones (the routing engine's :func:`~routing.checks.fix_states`), how
fast the vehicle went (:func:`~routing.checks.fix_speeds`, with the previous batch's last half minute in front so
the first fixes have a baseline), whether it drove since the fix before (:func:`~routing.fatigue.driving_intervals`),
and whether it is at a place where stopping is permitted.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from app.services.gps_store import StoredFixes
from app.services.monitoring.roads import CorridorColumns, RoadFacts, road_facts
from app.services.monitoring.runs import Fixes
from app.services.monitoring.settings import MonitorSettings
from app.services.monitoring.state import joined, recent
from app.services.monitoring.trip import Trip
from models import TripState
from routing import RoutingInputError
from routing.checks import STOP_SPEED_KPH, fix_states, grouped_fix_speeds
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


def facts_of_group(trips: Sequence[Trip], states: Sequence[TripState], news: Sequence[StoredFixes],
                   settings: MonitorSettings) -> list[Facts]:
    """Everything the checks need to know about each new fix of several trips, each trip's facts the same as
    alone. Their fixes are laid end to end (each trip's recent fixes in front of its new ones), projected once
    per metric CRS, speeds and driving found in one pass, the permitted places in one test, the corridor tests
    run once per corridor (and cargo) for every fix on it; the per-trip cost is slicing the results."""
    befores = [recent(state) for state in states]
    both = [joined(before, new) for before, new in zip(befores, news)]
    lengths = np.array([len(b) for b in both], dtype=np.intp)
    starts = np.cumsum(lengths) - lengths
    trip_of = np.repeat(np.arange(len(trips)), lengths)
    lon, lat = np.concatenate([b.lon for b in both]), np.concatenate([b.lat for b in both])
    time_ns = np.concatenate([b.time_ns for b in both])
    x, y = np.empty(len(lon)), np.empty(len(lon))
    crs_of = [trip.crs for trip in trips]
    for crs in {id(c): c for c in crs_of}.values():  # one projection per CRS (a corridor's, a UTM zone)
        rows = np.flatnonzero(np.isin(trip_of, [k for k, c in enumerate(crs_of) if c is crs]))
        x[rows], y[rows] = to_metric(lon[rows], lat[rows], crs)
    first = np.zeros(len(x), dtype=bool)
    first[starts] = True
    steps = np.concatenate(([0.0], np.hypot(np.diff(x), np.diff(y))))
    steps[first] = 0.0
    time_s = (time_ns - time_ns[starts][trip_of]) / 1e9
    kph = grouped_fix_speeds(x, y, time_s, np.concatenate([b.speed_kph for b in both]), starts)
    with np.errstate(divide="ignore", invalid="ignore"):  # across two trips: no interval, overwritten below
        driving = np.concatenate(([False], driving_intervals(time_s, x, y, kph, max_gap_s=settings.max_gap_s)))
    driving[first] = False
    is_new = np.ones(len(x), dtype=bool)
    is_new[np.repeat(starts, [len(b) for b in befores]) + _ranks([len(b) for b in befores])] = False
    sites = np.array([trip.permitted for trip in trips], dtype=object)[trip_of[is_new]]
    permitted = np.asarray(shapely.dwithin(sites, shapely.points(x[is_new], y[is_new]), settings.site_radius_m),
                           dtype=bool)  # a trip without sites (None) permits nowhere
    corridors = _corridor_facts_of_group(trips, news, settings)
    kph_new, steps_new, driving_new = kph[is_new], steps[is_new], driving[is_new]
    facts, at = [], 0
    for trip, state, new, corridor in zip(trips, states, news, corridors):  # slicing, and the roads per trip
        part = slice(at, at + len(new))
        at += len(new)
        facts.append(Facts(fixes=Fixes(time_ns=new.time_ns, lon=new.lon, lat=new.lat, step_m=steps_new[part]),
                           kph=kph_new[part], stopped=kph_new[part] < STOP_SPEED_KPH, driving=driving_new[part],
                           permitted=permitted[part], corridor=corridor,
                           roads=road_facts(trip, state, new, steps_new[part], kph_new[part], corridor, settings)))
    return facts


def _ranks(lengths: list[int]) -> npt.NDArray[np.intp]:
    """0, 1, … within each of several runs of the given lengths, end to end."""
    total = np.array(lengths, dtype=np.intp)
    return np.arange(int(total.sum())) - np.repeat(np.cumsum(total) - total, total)


def _corridor_facts_of_group(trips: Sequence[Trip], news: Sequence[StoredFixes],
                             settings: MonitorSettings) -> list[CorridorFacts | None]:
    """Each trip's :class:`CorridorFacts` (None without a corridor): the fixes of every trip on one corridor
    with one cargo tested together."""
    groups: dict[tuple[int, frozenset[str] | None], list[int]] = {}
    for k, trip in enumerate(trips):
        if trip.corridor is not None:
            groups.setdefault((id(trip.corridor), trip.hazard_classes), []).append(k)
    found: list[CorridorFacts | None] = [None] * len(trips)
    for members in groups.values():
        together = _corridor_facts(trips[members[0]], [news[k] for k in members], settings)
        if together is None:
            continue
        at = 0
        for k in members:
            part = slice(at, at + len(news[k]))
            at += len(news[k])
            found[k] = CorridorFacts(outside=together.outside[part], inside_inner=together.inside_inner[part],
                                     offset_m=together.offset_m[part], closed=together.closed[part],
                                     zones=[(zone, inside[part]) for zone, inside in together.zones])
    return found


def _corridor_facts(trip: Trip, news: list[StoredFixes], settings: MonitorSettings) -> CorridorFacts | None:
    """The fixes of one or more trips on *trip*'s corridor with its cargo, end to end (each test is per fix)."""
    loaded = trip.corridor
    track = Track(lon=np.concatenate([n.lon for n in news]), lat=np.concatenate([n.lat for n in news]),
                  time_ns=np.concatenate([n.time_ns for n in news]),
                  speed_kph=np.concatenate([n.speed_kph for n in news]), points=sum(len(n) for n in news))
    with loaded.lock:
        try:
            state = fix_states(track, loaded.corridor, hysteresis_m=settings.hysteresis_m,
                               hazard_classes=trip.hazard_classes, refuse_far=False)
        except RoutingInputError as error:  # the corridor does not cover the cargo: submission should have refused
            log.warning("waybill %s: corridor checks skipped: %s", trip.waybill_id, error)
            return None
        closed = np.zeros(track.points, dtype=bool)
        if loaded.windowed(trip.hazard_classes) and state.outside.any():
            out = np.flatnonzero(state.outside)
            closed[out] = shapely.contains_xy(loaded.area(trip.hazard_classes), state.x[out], state.y[out])
    return CorridorFacts(outside=state.outside & ~closed, inside_inner=state.inside_inner, offset_m=state.offset_m,
                         closed=closed, zones=state.zones)
