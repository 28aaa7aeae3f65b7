"""Corridor checks by the roads driven: the map match decides where the vehicle was, not the raw GPS fix.

A buffer around the permitted line raises false deviations where GPS wanders beyond it (at junctions, under
buildings) and at trip ends off the network (a depot, a plant's private roads). Here each fix is judged by its
map-matched position instead:

* a corridor part given as a **road list** (``osm_way_ids`` / ``road_names``, see :mod:`routing.corridors`)
  permits exactly its edges: a fix is inside when the edge it is matched to is one of them, so a parallel street
  inside the buffer is a deviation, and a junction wobble beyond it is not;
* a part given as a **line or polygon** permits its area: a fix is inside when its matched point (on the road's
  centre line) lies in it;
* a fix the match could not place (an outlier, off the network) is judged by its own position, as the buffer
  check judges it: the fallback, as is the whole buffer check when no network is given;
* fixes within ``end_tolerance_m`` of the trip's first or last fix are never a deviation (trip ends off the
  network).

Episodes then follow exactly the rules of :func:`routing.checks.find_episodes` (persistence, signal gaps,
forbidden zones by the fixes' own positions), and each deviation names the roads driven off the corridor.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely

from routing._validate import check_positive
from routing.checks import (
    CheckParameters, FixState, _inside, check_document, find_episodes, fix_speeds, fix_states,
)
from routing.corridors import Corridor
from routing.match_report import road_name
from routing.matching import MatchGraph, MatchParameters, MatchResult, match_track
from routing.offsets import Offsets
from routing.speed_limits import EXPRESSWAY_KPH, limit_kph, overspeed_episodes
from routing.tracks import Track

#: Default reach of the trip-end tolerance: a depot or plant yard and its gate road.
END_TOLERANCE_M = 500.0


def on_corridor(corridor: Corridor, hazard_classes: Iterable[str] | None, edges: np.ndarray, x: np.ndarray,
                y: np.ndarray, time_ns: np.ndarray) -> np.ndarray:
    """Whether each matched position (edge, point, time) is on a permitted part active at that time."""
    parts = corridor.parts(forbidden=False, hazard_classes=hazard_classes)
    inside = np.zeros(len(edges), dtype=bool)
    for part in (p for p in parts if p.roads is not None):
        inside |= part.roads[edges] & part.windows.active(time_ns)
    areas = [p for p in parts if p.roads is None]
    if areas and len(edges):
        inside |= _inside(areas, x, y, time_ns, memo=corridor.derived)
    return inside


def road_states(track: Track, corridor: Corridor, result: MatchResult, *, hysteresis_m: float = 10.0,
                hazard_classes: Iterable[str] | None = None,
                end_tolerance_m: float = END_TOLERANCE_M) -> tuple[FixState, np.ndarray]:
    """The per-fix states of :func:`routing.checks.fix_states`, with *outside* judged by the matched roads.

    Returns
    -------
    FixState
        For :func:`routing.checks.find_episodes`.
    numpy.ndarray
        Whether each edge of the network is on a permitted part at all (to name the roads off it).
    """
    check_positive(end_tolerance_m, name="end tolerance", allow_zero=True)
    state = fix_states(track, corridor, hysteresis_m=hysteresis_m, hazard_classes=hazard_classes)
    matched = np.flatnonzero(result.edge >= 0)
    edges = result.edge[matched]
    points = shapely.line_interpolate_point(result.graph.geoms[edges], result.offset_m[matched])
    mx, my = shapely.get_coordinates(points).T if len(matched) else (np.empty(0), np.empty(0))
    on = on_corridor(corridor, hazard_classes, edges, mx, my, track.time_ns[matched])
    outside = state.outside.copy()
    inner = state.inside_inner.copy()
    outside[matched] = ~on
    inner[matched] = on  # a road is on the list or not: no hysteresis needed
    ends = np.minimum(np.hypot(state.x - state.x[0], state.y - state.y[0]),
                      np.hypot(state.x - state.x[-1], state.y - state.y[-1])) < end_tolerance_m
    outside[ends] = False
    inner[ends] = True
    offset = np.where(outside, state.offset_m, 0.0)
    permitted = np.zeros(len(result.graph.length), dtype=bool)
    every = np.arange(len(permitted))
    mid = shapely.get_coordinates(shapely.line_interpolate_point(result.graph.geoms, 0.5, normalized=True))
    permitted |= on_corridor(corridor, hazard_classes, every, mid[:, 0], mid[:, 1],
                             np.full(len(every), int(track.time_ns[0])))
    return FixState(x=state.x, y=state.y, time_s=state.time_s, outside=outside, inside_inner=inner,
                    offsets=Offsets.known(offset), zones=state.zones), permitted


def _roads_off(result: MatchResult, permitted: np.ndarray, start_ns: int, end_ns: int) -> list[str]:
    """Names of the roads driven off the corridor between two times (in driven order)."""
    names = result.graph.network.edges["name"].to_numpy() if "name" in result.graph.network.edges else None
    found: dict[str, None] = {}
    for stretch in result.stretches:
        for piece in stretch.pieces:
            if not permitted[piece.edge] and piece.exit_ns >= start_ns and piece.enter_ns <= end_ns:
                found[road_name(names[piece.edge]) if names is not None else ""] = None
    return [n or "(unnamed)" for n in found]


def _overspeed(track: Track, state: FixState, result: MatchResult, params: CheckParameters) -> list[dict[str, Any]]:
    """Overspeed on the matched roads: each fix against its road's limit for dangerous goods (Order 29 Art. 46,
    :func:`routing.speed_limits.limit_kph`); a fix the match could not place, on no known road, against the
    highest limit a dangerous-goods vehicle has on any road (the expressway's), so leaving the map never hides a
    speed no road allows."""
    table = result.fix_table()
    limits = limit_kph(table["highway"].to_numpy(), table["maxspeed"].to_numpy(), unknown_kph=EXPRESSWAY_KPH)
    speeds = fix_speeds(state.x, state.y, state.time_s, track.speed_kph)
    step_m = np.concatenate(([0.0], np.hypot(np.diff(state.x), np.diff(state.y))))
    roads = [road_name(name) or "(unnamed)" if name is not None else "" for name in table["name"]]
    return overspeed_episodes(track.time_ns, speeds, limits, min_duration_s=params.min_seconds,
                              min_points=params.min_points, roads=roads, step_m=step_m)


def check_track_by_roads(track: Track, corridor: Corridor, graph: MatchGraph, params: CheckParameters | None = None,
                         *, hazard_classes: Iterable[str] | None = None, match: MatchParameters | None = None,
                         end_tolerance_m: float = END_TOLERANCE_M) -> dict[str, Any]:
    """Check a track against a corridor by the roads the map match says were driven.

    Parameters
    ----------
    track : Track
    corridor : Corridor
        From :func:`routing.corridors.load_corridor` with the network (road lists need it).
    graph : MatchGraph
        The network prepared for matching (:func:`routing.matching.prepare_matching`), in the corridor's CRS.
    params : CheckParameters, optional
        Episode thresholds, as for :func:`routing.checks.check_track`.
    hazard_classes : iterable of str, optional
        Cargo classes, to select the corridor parts and zones that apply.
    match : MatchParameters, optional
        Matcher parameters.
    end_tolerance_m : float
        Fixes this close to the trip's first or last fix never count as a deviation.

    Returns
    -------
    dict
        The ``route check`` document, each deviation with ``roads`` (driven off the corridor), ``overspeed``
        episodes against each matched road's limit, plus ``method: "map_match"`` and ``matched_share``.
    """
    params = (params or CheckParameters()).validated()
    episodes, state, result = corridor_episodes(track, corridor, graph, params, hazard_classes=hazard_classes,
                                                match=match, end_tolerance_m=end_tolerance_m)
    episodes = sorted(episodes + _overspeed(track, state, result, params),
                      key=lambda e: (e["first_index"], e["kind"]))
    return {**check_document(track, corridor, episodes), "method": "map_match",
            "matched_share": round(result.matched_share, 4)}


def corridor_episodes(track: Track, corridor: Corridor, graph: MatchGraph, params: CheckParameters, *,
                      hazard_classes: Iterable[str] | None = None, match: MatchParameters | None = None,
                      end_tolerance_m: float = END_TOLERANCE_M, result: MatchResult | None = None
                      ) -> tuple[list[dict[str, Any]], FixState, MatchResult]:
    """The corridor's episodes by the matched roads (deviations naming the roads driven off it, forbidden zones),
    the per-fix states they come from, and the match: :func:`check_track_by_roads` without overspeed (the
    parameters as validated there). *result*, the track's match made before (a cached one), spares matching it
    again."""
    if result is None:
        result = match_track(graph, track, match)
    state, permitted = road_states(track, corridor, result, hysteresis_m=params.hysteresis_m,
                                   hazard_classes=hazard_classes, end_tolerance_m=end_tolerance_m)
    episodes = find_episodes(track, state, params)
    for episode in episodes:
        if episode["kind"] == "deviation":
            episode["roads"] = _roads_off(result, permitted, int(track.time_ns[episode["first_index"]]),
                                          int(track.time_ns[episode["last_index"]]))
    return episodes, state, result
