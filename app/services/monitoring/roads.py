"""The live checks by the roads driven: overspeed against each road's limit, deviation by the road (issue 20).

With ``MONITOR_MAP_MATCH`` on and the road network prepared (:func:`app.services.road_network.matching_graph`,
in the background: ingestion never waits for it), each batch's fixes go through the trip's fixed-lag matcher
(:class:`routing.live_matching.FixedLagMatcher`, its state kept in the trip's monitoring state under
:data:`RUN`). The fixes whose road has become final are judged as ``route check --match`` judges them
(:mod:`routing.road_check`):

* **overspeed** against the matched road's limit for dangerous goods: 80 km/h on an expressway, 60 on any other
  road, or the posted limit when lower (危险货物道路运输安全管理办法 (交通运输部令2019年第29号) 第四十六条,
  :func:`routing.speed_limits.limit_kph`); a fix the match could not place, on no known road, against the flat
  ``MONITOR_SPEED_LIMIT_KPH`` (80, the expressway's: no road allows more), as without matching;
* **deviation** by the matched position: a fix whose matched point lies on the corridor is on it even where its
  GPS position wandered beyond the buffer; a fix the match could not place is judged by its own position (the
  buffer); a corridor part given as a **road list** (准行路线: ``osm_way_ids`` / ``road_names``, read on the
  matcher's network by :meth:`~app.services.monitoring.trip.LoadedCorridor.by_roads`) permits exactly the edges
  it names, so a fix matched to a parallel street inside its buffer is off it; fixes within
  :data:`routing.road_check.END_TOLERANCE_M` of the trip's first fix or of the unloading
  site are never a deviation (``route check --match`` takes the track's last fix: live, the trip's end is the
  unloading site);
* the runs collect the roads (:attr:`~app.services.monitoring.runs.Run.labels`) and the alerts name them.

So these two checks run a lag behind the fixes (at most ``MONITOR_MATCH_LAG_FIXES`` fixes or
``MONITOR_MATCH_LAG_S`` seconds; usually the match is final a few fixes later); at the trip's end the fixes still
held are matched to the end and judged (:func:`held_facts`). Until the network is ready, and
without ``MONITOR_MAP_MATCH``, every fix is judged as it comes, by the buffer and the flat
``MONITOR_SPEED_LIMIT_KPH`` (a road list: the buffer of its roads' centre lines, stored with the corridor when it
was registered); fixes a matcher still held when the network went away are judged so too.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from app.services.gps_store import StoredFixes
from app.services.monitoring.runs import BoolArray, Fixes, FloatArray
from app.services.monitoring.settings import MonitorSettings
from app.services.monitoring.trip import Trip
from app.services.road_network import matching_graph
from models import TripState
from routing import RoutingInputError
from routing.projection import to_metric, to_wgs84

if TYPE_CHECKING:  # the matcher's modules need scipy and pandas: imported when a trip is matched, not before
    from routing.live_matching import FinalFix, FixedLagMatcher
    from routing.match_graph import MatchGraph
    from routing.network import Network

log = logging.getLogger(__name__)
#: The trip state's entry: ``{"matcher": FixedLagMatcher.state(), "origin": [lon, lat] of the trip's first fix}``.
RUN = "map_match"
#: What the details say about how a fix's road was judged.
MATCHED, FALLBACK = "map_match", "buffer"


@dataclass(frozen=True)
class CorridorColumns:
    """Per fix against the corridor by its own position (:class:`~app.services.monitoring.facts.CorridorFacts`):
    off it (time windows aside), deep inside it, how far off, on it while its window is closed."""

    outside: BoolArray
    inside_inner: BoolArray
    offset_m: FloatArray
    closed: BoolArray


@dataclass(frozen=True)
class RoadFacts:
    """The fixes whose road is judged in this batch: the matcher's newly final ones, or the batch itself.

    ``road`` names each fix's matched road ('' when none); ``corridor`` is None without a corridor; ``method``
    is :data:`MATCHED`, :data:`FALLBACK` (map matching on, the network not ready) or None (map matching off);
    ``carry`` is the trip state's :data:`RUN` entry to keep (None: none).
    """

    fixes: Fixes
    kph: FloatArray
    limit_kph: FloatArray
    road: list[str]
    corridor: CorridorColumns | None
    method: str | None
    carry: dict[str, Any] | None


def road_facts(trip: Trip, state: TripState, new: StoredFixes, step_m: FloatArray, kph: FloatArray,
               corridor: CorridorColumns | None, settings: MonitorSettings) -> RoadFacts:
    """The fixes to judge by road after this batch (see the module's note)."""
    batch = _Columns.of(new, step_m, kph, corridor)
    if not settings.map_match:
        return batch.judged(settings, None)
    kept = state.runs.get(RUN) or {}
    graph = matching_graph()
    matcher = _matcher(graph, kept, settings, trip) if graph is not None else None
    if matcher is None:  # judge the fixes a matcher held, then the batch, as without it
        held = _Columns.held(kept)
        if held is not None:
            batch = held.then(batch)
        return batch.judged(settings, FALLBACK)
    assert graph is not None
    origin = kept.get("origin") or [float(new.lon[0]), float(new.lat[0])]
    final = matcher.feed(new.time_ns, new.lon, new.lat, data=batch.rows())
    carry = {"matcher": matcher.state(), "origin": origin}
    return _by_road(trip, graph, final, origin, settings, carry)


def held_facts(trip: Trip, state: TripState, settings: MonitorSettings) -> RoadFacts | None:
    """At the trip's end, the fixes its matcher still holds, final now (:meth:`FixedLagMatcher.flush`; by the
    buffer and the flat limit when the network is not ready); None when it holds none."""
    kept = state.runs.get(RUN) or {}
    if not settings.map_match or not (kept.get("matcher") or {}).get("pending"):
        return None
    graph = matching_graph()
    matcher = _matcher(graph, kept, settings, trip) if graph is not None else None
    if matcher is None:
        held = _Columns.held(kept)
        return held.judged(settings, FALLBACK) if held is not None else None
    assert graph is not None
    return _by_road(trip, graph, matcher.flush(), kept["origin"], settings, {})


def _matcher(graph: MatchGraph, kept: dict[str, Any], settings: MonitorSettings,
             trip: Trip) -> FixedLagMatcher | None:
    from routing.live_matching import FixedLagMatcher
    from routing.matching import MatchParameters

    try:
        return FixedLagMatcher(graph, MatchParameters(sigma_m=settings.match_sigma_m), kept.get("matcher"),
                               lag_fixes=settings.match_lag_fixes, lag_s=settings.match_lag_s)
    except RoutingInputError as error:  # a state made on another network: judge its fixes without it
        log.warning("waybill %s: live map matching restarts: %s", trip.waybill_id, error)
        return None


def _by_road(trip: Trip, graph: MatchGraph, final: list[FinalFix], origin: list[float], settings: MonitorSettings,
             carry: dict[str, Any]) -> RoadFacts:
    """Judge the final fixes by their matched roads."""
    from routing.match_report import road_name
    from routing.speed_limits import limit_kph

    columns = _Columns.final(final)
    edge = np.array([f.edge for f in final], dtype=np.intp)
    hit = np.flatnonzero(edge >= 0)
    edges = graph.network.edges
    tags = {tag: np.full(len(final), None, dtype=object) for tag in ("highway", "maxspeed", "name")}
    for tag, values in tags.items():
        if tag in edges and len(hit):
            values[hit] = edges[tag].to_numpy()[edge[hit]]
    limits = limit_kph(tags["highway"], tags["maxspeed"], unknown_kph=settings.speed_limit_kph)  # no road: the flat
    roads = ["" if i < 0 else road_name(name) or "(unnamed)" for i, name in zip(edge.tolist(), tags["name"])]
    corridor = columns.corridor
    if not final and trip.corridor is not None:  # nothing final yet: the open deviation run stays as it is
        corridor = CorridorColumns(*(np.zeros(0, dtype=kind) for kind in (bool, bool, float, bool)))
    if corridor is not None and trip.corridor is not None and len(final):
        offsets = np.array([f.offset_m for f in final])[hit]
        points = shapely.line_interpolate_point(graph.geoms[edge[hit]], offsets)
        lon, lat = to_wgs84(*shapely.get_coordinates(points).T, graph.network.crs)
        corridor = _on_roads(trip, graph.network, corridor, hit, edge[hit], lon, lat, columns.fixes, origin)
    return RoadFacts(fixes=columns.fixes, kph=columns.kph, limit_kph=limits, road=roads, corridor=corridor,
                     method=MATCHED, carry=carry)


def _on_roads(trip: Trip, network: Network, corridor: CorridorColumns, hit: np.ndarray, edges: np.ndarray,
              lon: FloatArray, lat: FloatArray, fixes: Fixes, origin: list[float]) -> CorridorColumns:
    """Off the corridor by the matched position where there is one (as :func:`routing.road_check.road_states`)."""
    from routing.road_check import END_TOLERANCE_M, on_corridor

    loaded = trip.corridor
    assert loaded is not None
    with loaded.lock:  # a road list by the edges it names on the matcher's network, not by its buffer
        checked = loaded.by_roads(network)
        x, y = to_metric(lon, lat, checked.crs)
        on = on_corridor(checked, trip.hazard_classes, edges, x, y, fixes.time_ns[hit])
    outside, inner = corridor.outside.copy(), corridor.inside_inner.copy()
    outside[hit] = ~on & ~corridor.closed[hit]
    inner[hit] = on  # on the road or not: no hysteresis needed
    fx, fy = to_metric(fixes.lon, fixes.lat, loaded.corridor.crs)
    ox, oy = to_metric(np.array([origin[0]]), np.array([origin[1]]), loaded.corridor.crs)
    near = np.hypot(fx - ox[0], fy - oy[0]) < END_TOLERANCE_M
    if trip.unloading is not None and trip.crs == loaded.corridor.crs:
        near |= trip.to_unloading_m(fx, fy) < END_TOLERANCE_M
    outside[near], inner[near] = False, True
    return CorridorColumns(outside=outside, inside_inner=inner, offset_m=np.where(outside, corridor.offset_m, 0.0),
                           closed=corridor.closed)


@dataclass(frozen=True)
class _Columns:
    """Fixes with what they were found to be when they came (carried through the matcher as one row each)."""

    fixes: Fixes
    kph: FloatArray
    corridor: CorridorColumns | None

    @classmethod
    def of(cls, new: StoredFixes, step_m: FloatArray, kph: FloatArray, corridor: CorridorColumns | None) -> _Columns:
        return cls(Fixes(time_ns=new.time_ns, lon=new.lon, lat=new.lat, step_m=step_m), kph, corridor)

    def rows(self) -> list[list[Any]]:
        """One JSON row per fix: step, speed (None: NaN) and, with a corridor, off, inner, offset, closed."""
        c = self.corridor
        columns = [self.fixes.step_m.tolist(), [None if np.isnan(v) else v for v in self.kph.tolist()]]
        if c is not None:
            columns += [c.outside.tolist(), c.inside_inner.tolist(), c.offset_m.tolist(), c.closed.tolist()]
        return [list(row) for row in zip(*columns)]

    @classmethod
    def from_rows(cls, time_ns: list[int], lon: list[float], lat: list[float], rows: list[list[Any]]) -> _Columns:
        def column(i: int, kind: type) -> np.ndarray:
            return np.array([np.nan if r[i] is None else r[i] for r in rows], dtype=kind)

        corridor = None
        if rows and len(rows[0]) > 2:
            corridor = CorridorColumns(outside=column(2, bool), inside_inner=column(3, bool),
                                       offset_m=column(4, float), closed=column(5, bool))
        fixes = Fixes(time_ns=np.array(time_ns, dtype=np.int64), lon=np.array(lon, dtype=float),
                      lat=np.array(lat, dtype=float), step_m=column(0, float))
        return cls(fixes, column(1, float), corridor)

    @classmethod
    def final(cls, final: list[FinalFix]) -> _Columns:
        return cls.from_rows([f.time_ns for f in final], [f.lon for f in final], [f.lat for f in final],
                             [f.data for f in final])

    @classmethod
    def held(cls, kept: dict[str, Any]) -> _Columns | None:
        """The fixes a matcher state still holds (its rows: see :class:`routing.live_matching.FixedLagMatcher`)."""
        pending = (kept.get("matcher") or {}).get("pending") or []
        if not pending:
            return None
        return cls.from_rows([p[0] for p in pending], [p[1] for p in pending], [p[2] for p in pending],
                             [p[-1] for p in pending])

    def then(self, other: _Columns) -> _Columns:
        """These fixes, then *other*'s (a corridor's columns only when both have them)."""
        fixes = Fixes(*(np.concatenate((getattr(self.fixes, n), getattr(other.fixes, n)))
                        for n in ("time_ns", "lon", "lat", "step_m")))
        corridor = None
        if self.corridor is not None and other.corridor is not None:
            corridor = CorridorColumns(*(np.concatenate((getattr(self.corridor, n), getattr(other.corridor, n)))
                                         for n in ("outside", "inside_inner", "offset_m", "closed")))
        return _Columns(fixes, np.concatenate((self.kph, other.kph)), corridor)

    def judged(self, settings: MonitorSettings, method: str | None) -> RoadFacts:
        """Judged as they are: the buffer, the flat limit, no road."""
        if method is not None:
            log.info("live checks by the buffer and the flat speed limit: the road network is not ready")
        return RoadFacts(fixes=self.fixes, kph=self.kph, limit_kph=np.full(len(self.fixes), settings.speed_limit_kph),
                         road=[""] * len(self.fixes), corridor=self.corridor, method=method, carry=None)
