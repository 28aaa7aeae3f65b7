"""Map matching: which roads a GPS track drove, by a hidden Markov model over the road network.

The model is Newson & Krumm's ("Hidden Markov map matching through noise and sparseness", ACM SIGSPATIAL
2009): the hidden states of a fix are its *candidates*, the points on road edges within ``radius_m`` of it;
a candidate's emission is a Gaussian of its distance to the fix (``sigma_m``); a transition between candidates
of consecutive fixes is an exponential of the difference between the fixes' great-circle distance and the
network distance between the candidates (``beta_m``), and is impossible when the network distance exceeds what
the vehicle could have driven (``max_speed_kph``) or a plausible detour. Viterbi picks the most likely sequence.

Where it matters, the work is vectorised: one STRtree query finds every fix's candidates; network distances
come from a bounded Dijkstra (scipy, C) run once per chunk of fixes for all the candidates' end nodes at once,
on the part of the graph within reach; the transition matrices of a chunk are computed in one numpy pass. Only
the Viterbi recursion itself (a few small arrays per fix) is a Python loop.

Gaps (a tunnel without signal, sparse sampling) are bridged by the shortest path between the matched
candidates (between fixes ``slow_road_min_gap_s`` or more apart, the quickest by road speeds, as the transition
measured it), so a tunnel between a fix on each bank is on the matched path although no fix lies inside it.
A fix is skipped as an outlier where no candidate of it can be reached, or (between fixes at most 20 s apart)
where explaining it costs more than an outlier and the next fix is reached better without it (so a fix that
only a wrong road explains does not end every hypothesis on the right one); where no transition is plausible
even after skipping up to ``max_skip`` fixes, the match breaks and a new *stretch* begins. A fix that repeats the
previous fix's position exactly is *stale* (a logger that repeats its last position while the vehicle moves on):
it takes the previous fix's match and plays no part in the model, so the jump that follows it is judged over the
time since the position was fresh.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from routing._errors import RoutingInputError
from routing._lazy import lazy
from routing._validate import check_positive
from routing.match_graph import (
    FloatArray, IntArray, MatchGraph, bounded_dijkstra, path_costs, path_length, prepare_matching,
)
from routing.match_path import PathPiece, Stretch, driven_path
from routing.projection import to_metric
from routing.tracks import Track

if TYPE_CHECKING:
    import pandas as pd
    from scipy.sparse import csr_matrix
else:
    pd = lazy("pandas")

__all__ = ["MATCHED", "OFF_NETWORK", "OUTLIER", "STALE", "MatchGraph", "MatchModel", "MatchParameters", "MatchResult",
           "PathPiece", "Stretch", "match_model", "match_track", "prepare_matching"]

#: Fix statuses in :attr:`MatchResult.status`.
MATCHED, STALE, OUTLIER, OFF_NETWORK = "matched", "stale", "outlier", "off_network"
_CHUNK = 64  # fixes whose transitions are computed together (one Dijkstra call)
_OUTLIER_SPAN_S = 20.0  # a fix is skipped for a better explanation only between fixes this close in time


@dataclass(frozen=True)
class MatchParameters:
    """Parameters of the matcher (the defaults suit urban GPS sampled every 1–60 s).

    Attributes
    ----------
    sigma_m : float or None
        GPS noise (standard deviation, metres) of the emission. ``None``: estimated from the track (see
        :func:`_sigma`).
    radius_m : float or None
        Candidate search radius. ``None``: 4 × sigma, within [50, 200] m.
    max_candidates : int
        The nearest candidates kept per fix: enough that the driven road is among them where footways, service
        roads and both directions of every street crowd the radius (Futian at σ 30 m: 12 left it out).
    beta_m : float
        Scale of the transition's exponential (metres of |great-circle − network| distance per factor e).
    max_speed_kph : float
        A transition needing a faster drive is impossible.
    detour_factor, detour_slack_m : float
        A transition whose network distance exceeds ``detour_factor`` × great-circle + ``detour_slack_m`` is
        impossible (bounds the Dijkstra for long gaps).
    max_skip : int
        Fixes that may be skipped as outliers before the match breaks into a new stretch.
    road_change_penalty : float
        Log-probability a transition loses by leaving one road for another (another name, or another OSM way
        where unnamed): a "stay on the road" prior, so that a main road and the 辅路 beside it, as near each other
        as the noise and joined by ramps every few hundred metres, are not swapped fix by fix; the road beside
        wins only where a run of fixes lies on its side.
    side_road_penalty : float
        Log-probability a transition loses per kilometre between its fixes when it reaches a 辅路 (a main road's
        side road): where the fixes cannot tell a main road from the 辅路 beside it, the main road; the 辅路 where
        a run of fixes lies on its side, the evidence of each fix growing with the square of its offset.
    turn_penalty : float
        Log-probability a transition loses per radian of turn between the edge it leaves and the edge it enters
        (Valhalla Meili's turn penalty): going straight on costs nothing.
    heading_weight : float
        Weight of the direction of travel (from one fix to the next) as evidence: a transition loses
        ``heading_weight`` × κ × (1 − cos θ) for each of its two candidates, θ between the candidate's road (in
        its direction of travel, so one-way streets only the way they go) and the direction of travel (see
        ``travel_window_s``), κ that direction's reliability: (displacement / its standard deviation per axis)²
        (the von Mises concentration of the direction; between two fixes each off by σ, (distance / σ)² / 2),
        at most ``heading_max_kappa``.
    heading_max_kappa : float
        Cap of κ: the vehicle may turn between fixes far apart, so no direction is ever certain.
    travel_window_s : float
        The direction of travel from one fix to the next is fitted on the fixes of this many seconds up to the
        later one (a straight line at constant speed, :func:`travel`); 0: the direction between the two fixes
        alone. At σ 30 m every second the direction between two fixes 12 m apart is noise; fitted on 10 fixes
        it is within about 15°. Only fixes before the later one are used, so the fixed-lag matcher fits it alike.
    slow_road_weight : float
        Between fixes at least ``slow_road_min_gap_s`` apart, the path joining two candidates (in the transition
        and on the matched path) is the one a driver takes, the cheapest where a metre of a road slower than
        ``fast_road_kph`` costs ``1 + slow_road_weight × (fast_road_kph / speed − 1)``
        (:func:`routing.match_graph.slow_road_factor`; 1: the travel time), not the shortest; the transition
        weighs that path's length against the fixes' distance as before. So where no fix shows the road between
        two fixes, the main road wins over slightly shorter residential streets beside it. 0: shortest paths.
    fast_road_kph : float
        The speed from which a road costs its length only (a main road in town, 50 km/h in the network's speeds).
    slow_road_min_gap_s : float
        The time between fixes from which ``slow_road_weight`` applies: closer fixes show the roads themselves.
    radius_from_match : bool
        Where neither ``sigma_m`` nor ``radius_m`` is given and the fixes lie too far apart for their jitter to
        tell the noise (:func:`_sigma`), the radius is 4 × Newson & Krumm's eq. 4 estimate (1.4826 × the median
        distance from a fix to its *matched* road, after a first match), when that is larger: on sparse tracks
        the nearest road reads σ at 0.4–0.6 of the truth, and the driven road fell beyond the radius. The
        emission keeps the estimate of :func:`_sigma`. Measured and off: see docs/map-matching.md.
    candidate_distance : bool
        The transition weighs the network distance against the straight line between the two candidates (the
        fixes' projections on their roads) instead of the fixes' great-circle distance: the path's detour over the
        straight line, free of the noise across the road (at σ 30 m every second, the great-circle distance of
        fixes 7 m apart along the road is mostly noise, and a path through the roads beside may fit it better
        than the road driven). Measured and off: see docs/map-matching.md.
    """

    sigma_m: float | None = None
    radius_m: float | None = None
    max_candidates: int = 24
    beta_m: float = 15.0
    max_speed_kph: float = 150.0
    detour_factor: float = 2.0
    detour_slack_m: float = 500.0
    max_skip: int = 3
    road_change_penalty: float = 1.0
    side_road_penalty: float = 2.0
    turn_penalty: float = 0.0
    heading_weight: float = 1.0
    heading_max_kappa: float = 1.0
    travel_window_s: float = 10.0
    slow_road_weight: float = 1.0
    fast_road_kph: float = 50.0
    slow_road_min_gap_s: float = 20.0
    radius_from_match: bool = False
    candidate_distance: bool = False

    def validated(self) -> MatchParameters:
        """Return self after refusing nonsensical values."""
        for name in ("sigma_m", "radius_m"):  # the two the command line offers, named as it names them
            if getattr(self, name) is not None:
                check_positive(getattr(self, name), name=f"--{name.replace('_', '-')}")
        for name in ("beta_m", "max_speed_kph", "detour_factor", "fast_road_kph"):
            check_positive(getattr(self, name), name=name)
        for name in ("detour_slack_m", "road_change_penalty", "side_road_penalty", "turn_penalty", "heading_weight",
                     "heading_max_kappa", "slow_road_weight", "slow_road_min_gap_s"):
            check_positive(getattr(self, name), name=name, allow_zero=True)
        if self.max_candidates < 1 or self.max_skip < 0:
            raise RoutingInputError("max_candidates must be at least 1 and max_skip at least 0")
        return self


@dataclass
class MatchResult:
    """The match of one track.

    Per-fix arrays (track order): ``edge`` (position in ``network.edges``, -1 when unmatched), ``offset_m``
    (along the edge), ``distance_m`` (fix to road), ``stretch`` (-1 when unmatched), ``status`` (``matched``,
    ``stale``, ``outlier``, ``off_network``).
    """

    graph: MatchGraph
    track: Track
    edge: IntArray
    offset_m: FloatArray
    distance_m: FloatArray
    stretch: IntArray
    status: npt.NDArray[np.object_]
    stretches: list[Stretch]
    sigma_m: float

    @property
    def matched_share(self) -> float:
        """Share of the fixes that are on a matched stretch."""
        return float((self.stretch >= 0).mean()) if len(self.stretch) else 0.0

    def fix_table(self) -> pd.DataFrame:
        """One row per fix: time, position, status, stretch and the matched edge with its ``highway`` and
        ``maxspeed`` tags (what a road-aware speed check needs)."""
        edges = self.graph.network.edges
        hit = self.edge >= 0
        keys = np.full((len(self.edge), 3), -1, dtype=np.int64)
        if hit.any():
            keys[hit] = np.array(self.graph.edge_keys(self.edge[hit]), dtype=np.int64)
        table = pd.DataFrame({
            "time": pd.to_datetime(self.track.time_ns, utc=True), "lon": self.track.lon, "lat": self.track.lat,
            "status": self.status, "stretch": self.stretch, "u": keys[:, 0], "v": keys[:, 1], "key": keys[:, 2],
            "offset_m": self.offset_m, "distance_m": self.distance_m,
        })
        for tag in ("highway", "maxspeed", "name"):
            values = np.full(len(self.edge), None, dtype=object)
            if tag in edges and hit.any():
                values[hit] = edges[tag].to_numpy()[self.edge[hit]]
            table[tag] = values
        return table


@dataclass
class _Candidates:
    """Every fix's candidates, flattened: fix ``i`` owns rows ``ptr[i]:ptr[i + 1]``."""

    edge: IntArray
    offset: FloatArray
    distance: FloatArray
    ptr: IntArray

    def of(self, i: int) -> slice:
        return slice(int(self.ptr[i]), int(self.ptr[i + 1]))


def _nearest_road(graph: MatchGraph, points: npt.NDArray[np.object_]) -> FloatArray:
    _, dist = graph.tree.query_nearest(points, return_distance=True, all_matches=False)
    return np.asarray(dist, dtype=float)


def _candidates(graph: MatchGraph, points: npt.NDArray[np.object_], radius: float, k: int) -> _Candidates:
    """The ``k`` nearest edges within ``radius`` of each point, with the projection offset (vectorised)."""
    fix, edge = graph.tree.query(points, predicate="dwithin", distance=radius)
    distance = shapely.distance(graph.geoms[edge], points[fix])
    order = np.lexsort((distance, fix))
    fix, edge, distance = fix[order], edge[order], distance[order]
    rank = np.arange(len(fix)) - np.searchsorted(fix, fix, side="left")
    keep = rank < k
    fix, edge, distance = fix[keep], edge[keep], distance[keep]
    offset = shapely.line_locate_point(graph.geoms[edge], points[fix])
    return _Candidates(edge=edge, offset=offset, distance=distance,
                       ptr=np.searchsorted(fix, np.arange(len(points) + 1)))


def _transitions(graph: MatchGraph, cands: _Candidates, x: FloatArray, y: FloatArray, t_s: FloatArray,
                 a: IntArray, b: IntArray, params: MatchParameters, sigma: float,
                 radius: float, travel: Travel | None = None) -> list[FloatArray]:
    """Log transition matrices (candidates of ``a[i]`` × candidates of ``b[i]``) for fix pairs, in one pass.

    ``travel``: the vehicle's displacement from each ``a[i]`` to ``b[i]`` (the direction of travel), as
    :func:`travel` fits it on the fixes before; without it, the displacement between the two fixes."""
    ka = cands.ptr[a + 1] - cands.ptr[a]
    kb = cands.ptr[b + 1] - cands.ptr[b]
    sizes = ka * kb
    total = int(sizes.sum())
    pair = np.repeat(np.arange(len(a)), sizes)
    within = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ia = cands.ptr[a][pair] + within // np.maximum(kb[pair], 1)
    ib = cands.ptr[b][pair] + within % np.maximum(kb[pair], 1)
    e1, s1, e2, s2 = cands.edge[ia], cands.offset[ia], cands.edge[ib], cands.offset[ib]
    gc = np.hypot(x[b] - x[a], y[b] - y[a])
    dt = np.maximum(t_s[b] - t_s[a], 0.0)
    noise = 4.0 * sigma  # the candidates' projections wander by the noise, along the road as across it
    # Candidates lie anywhere within the radius of their fixes: the route between them may be that much longer.
    allowed = np.minimum(dt * params.max_speed_kph / 3.6,
                         params.detour_factor * gc + params.detour_slack_m) + 2.0 * radius
    route = np.full(total, np.inf)
    same = (e1 == e2) & (s2 >= s1 - noise)
    route[same] = np.abs(s2 - s1)[same]
    other = np.flatnonzero(~same)
    if len(other):
        v1, u2 = graph.edge_v[e1[other]], graph.edge_u[e2[other]]
        sources, row = np.unique(v1, return_inverse=True)
        # Between fixes far apart, the length of the path a driver takes, the quickest (slow_road_weight).
        costs = path_costs(graph, params.slow_road_weight, params.fast_road_kph)
        sparse = (dt[pair[other]] >= params.slow_road_min_gap_s) & (costs is not None)
        between = np.full(len(other), np.inf)
        for part, weights in ((~sparse, None), (sparse, costs)):
            if part.any():
                between[part] = _between(graph, sources, row, u2, float(allowed.max()), weights)[part]
        route[other] = graph.length[e1[other]] - s1[other] + between + s2[other]
    driven = _candidate_distance(graph, cands, ia, ib) if params.candidate_distance else gc[pair]
    log_t = -np.abs(driven - route) / params.beta_m - _road_prior(graph, e1, e2, same, gc[pair], params)
    if params.heading_weight > 0:
        if travel is None:
            travel = Travel(x[b] - x[a], y[b] - y[a], np.full(len(a), np.sqrt(2.0) * sigma))
        log_t -= params.heading_weight * _heading_cost(graph, cands, travel, params, pair, ia, ib)
    log_t[~(route <= allowed[pair])] = -np.inf
    bounds = np.cumsum(sizes)[:-1]
    return [m.reshape(p, q) for m, p, q in zip(np.split(log_t, bounds), ka.tolist(), kb.tolist())]


def _candidate_distance(graph: MatchGraph, cands: _Candidates, ia: IntArray, ib: IntArray) -> FloatArray:
    """The straight-line distance between candidates ``ia[i]`` and ``ib[i]`` (their points on their roads)."""
    lo, hi = int(min(ia.min(), ib.min())), int(max(ia.max(), ib.max())) + 1
    xy = shapely.get_coordinates(shapely.line_interpolate_point(graph.geoms[cands.edge[lo:hi]], cands.offset[lo:hi]))
    return np.hypot(*(xy[ib - lo] - xy[ia - lo]).T)


@dataclass
class Travel:
    """The vehicle's displacement between two fixes (``dx``, ``dy``, metres) and its uncertainty (``spread``:
    standard deviation per axis)."""

    dx: FloatArray
    dy: FloatArray
    spread: FloatArray


def travel(t_s: FloatArray, x: FloatArray, y: FloatArray, a: IntArray, b: IntArray, window_s: float,
           sigma: float) -> Travel:
    """Displacement from fix ``a[i]`` to fix ``b[i]`` of a timeline of fixes (``t_s``, ``x``, ``y``, in time
    order), estimated from every fix of the ``window_s`` seconds up to ``b[i]`` and ``a[i]``: a straight line at
    constant speed fitted by least squares (after dropping fixes more than 3 σ off a first fit). Uses no fix
    after ``b[i]``, so the fixed-lag matcher computes it as the fixes arrive."""
    lo = np.minimum(np.searchsorted(t_s, t_s[b] - window_s, side="left"), a)
    width = int((b - lo).max(initial=0)) + 1
    idx = lo[:, None] + np.arange(width)[None, :]
    inside = idx <= b[:, None]
    # Fixes before a[i] count only within the window (a[i] itself always).
    inside &= (t_s[np.minimum(idx, len(t_s) - 1)] >= (t_s[b] - window_s)[:, None]) | (idx == a[:, None])
    idx = np.minimum(idx, len(t_s) - 1)
    dt = t_s[idx] - t_s[b][:, None]
    px, py = x[idx] - x[b][:, None], y[idx] - y[b][:, None]
    for _ in range(2):
        w = inside.astype(float)
        n = np.maximum(w.sum(axis=1), 1.0)
        mt, mx, my = (w * dt).sum(axis=1) / n, (w * px).sum(axis=1) / n, (w * py).sum(axis=1) / n
        ct = w * (dt - mt[:, None])
        var = (ct * (dt - mt[:, None])).sum(axis=1)
        safe = np.where(var > 0, var, 1.0)
        vx, vy = (ct * (px - mx[:, None])).sum(axis=1) / safe, (ct * (py - my[:, None])).sum(axis=1) / safe
        off = np.hypot(px - mx[:, None] - vx[:, None] * (dt - mt[:, None]),
                       py - my[:, None] - vy[:, None] * (dt - mt[:, None]))
        keep = inside & (off <= 3.0 * sigma)
        inside = np.where((keep.sum(axis=1) >= 2)[:, None], keep, inside)
    span = t_s[b] - t_s[a]
    spread = sigma * span / np.sqrt(safe)
    plain = var <= 0
    dx = np.where(plain, x[b] - x[a], vx * span)
    dy = np.where(plain, y[b] - y[a], vy * span)
    return Travel(dx, dy, np.where(plain | (spread <= 0), np.sqrt(2.0) * sigma, spread))


def _between(graph: MatchGraph, sources: IntArray, row: IntArray, targets: IntArray, limit: float,
             costs: csr_matrix | None) -> FloatArray:
    """Network distance from ``sources[row]`` to ``targets`` (node positions), inf beyond ``limit``: one bounded
    Dijkstra for all the sources; given ``costs`` (:func:`~routing.match_graph.path_costs`), the length of the path
    a driver takes."""
    local, dist, _ = bounded_dijkstra(graph, sources, limit, costs=costs)
    col = local[targets]
    between = np.where(col >= 0, dist[row, np.maximum(col, 0)], np.inf)
    return between if costs is None else path_length(between)


def _road_prior(graph: MatchGraph, e1: IntArray, e2: IntArray, same: npt.NDArray[np.bool_], gc: FloatArray,
                params: MatchParameters) -> FloatArray:
    """What a transition from edge ``e1`` to ``e2`` (fixes ``gc`` metres apart) loses for leaving the road, for
    reaching a 辅路 and for turning (log units)."""
    turn = np.abs(np.angle(np.exp(1j * (graph.heading_in[e2] - graph.heading_out[e1]))))
    turn[same] = 0.0
    return (params.road_change_penalty * _road_changes(graph, e1, e2) + params.turn_penalty * turn
            + params.side_road_penalty / 1000.0 * gc * graph.side_road[e2])


def _road_changes(graph: MatchGraph, e1: IntArray, e2: IntArray) -> npt.NDArray[np.bool_]:
    """Whether going from edge ``e1`` to ``e2`` leaves one road for another: no road of ``e1`` is one of ``e2``
    (an edge osmnx merged from several ways is on each of their roads, see :class:`MatchGraph`)."""
    change = graph.road[e1] != graph.road[e2]
    if graph.road_also.shape[1] == 0:
        return change
    merged = np.flatnonzero(change & ((graph.road_also[e1, 0] >= 0) | (graph.road_also[e2, 0] >= 0)))
    if len(merged):
        first = np.column_stack((graph.road[e1[merged]], graph.road_also[e1[merged]]))
        second = np.column_stack((graph.road[e2[merged]], graph.road_also[e2[merged]]))
        shared = ((first[:, :, None] == second[:, None, :]) & (first[:, :, None] >= 0)).any(axis=(1, 2))
        change[merged[shared]] = False
    return change


def _heading_cost(graph: MatchGraph, cands: _Candidates, travel: Travel, params: MatchParameters, pair: IntArray,
                  ia: IntArray, ib: IntArray) -> FloatArray:
    """κ × ((1 − cos θ) at the candidate left + at the candidate reached), per pair of candidates: θ between the
    candidate's road and the direction from fix to fix (see :class:`MatchParameters`)."""
    lo, hi = int(min(ia.min(), ib.min())), int(max(ia.max(), ib.max())) + 1
    edge, offset = cands.edge[lo:hi], cands.offset[lo:hi]
    geoms = graph.geoms[edge]
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(geoms, np.minimum(offset + 5.0, graph.length[edge])))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(geoms, np.maximum(offset - 5.0, 0.0)))
    road = ahead - behind
    road /= np.maximum(np.hypot(road[:, 0], road[:, 1]), 1e-9)[:, None]
    dx, dy = travel.dx, travel.dy
    chord = np.hypot(dx, dy)
    kappa = np.minimum(params.heading_max_kappa, (chord / travel.spread) ** 2)
    ux, uy = dx / np.maximum(chord, 1e-9), dy / np.maximum(chord, 1e-9)
    cos_a = road[ia - lo, 0] * ux[pair] + road[ia - lo, 1] * uy[pair]
    cos_b = road[ib - lo, 0] * ux[pair] + road[ib - lo, 1] * uy[pair]
    return kappa[pair] * (2.0 - cos_a - cos_b)


def _sigma(graph: MatchGraph, points: npt.NDArray[np.object_], x: FloatArray, y: FloatArray, t_s: FloatArray,
           params: MatchParameters) -> float:
    """The GPS noise: as given, else the larger of two robust estimates, within [4, 50] m.

    Newson & Krumm (2009, section 4.1) take 1.4826 × the median distance from a fix to its nearest road; in a
    dense city the nearest road is often another one, nearer than the driven road, so that alone reads the
    noise low. Where fixes come at most 10 s apart, the jitter of the positions tells it too: the second
    difference of three fixes is the noise (variance 6σ² per axis) plus the vehicle's acceleration, which is
    small over so short a time and, at turns, too rare to move a median.
    """
    if params.sigma_m is not None:
        return float(params.sigma_m)
    estimate = 1.4826 * float(np.median(_nearest_road(graph, points)))
    close = _close_triples(t_s)
    if close.sum() >= 10:
        second = np.concatenate((np.diff(x, 2)[close], np.diff(y, 2)[close]))
        estimate = max(estimate, 1.4826 * float(np.median(np.abs(second))) / np.sqrt(6.0))
    return min(50.0, max(4.0, estimate))


def _close_triples(t_s: FloatArray) -> npt.NDArray[np.bool_]:
    """Per run of three consecutive fixes, whether they lie at most 10 s apart (their jitter tells the noise)."""
    return (np.diff(t_s)[1:] <= 10.0) & (np.diff(t_s)[:-1] <= 10.0)


def match_track(graph: MatchGraph, track: Track, params: MatchParameters | None = None) -> MatchResult:
    """Match a track onto the network.

    Parameters
    ----------
    graph : MatchGraph
        From :func:`prepare_matching`.
    track : Track
        Validated fixes (:func:`routing.tracks.read_track`).
    params : MatchParameters, optional

    Returns
    -------
    MatchResult
    """
    model = match_model(graph, track, params)
    chosen, stretch_of, confidence = _viterbi(graph, model.cands, model.emission, model.x, model.y, model.t_s,
                                              model.params, model.sigma, model.radius)
    return _result(graph, track, model.cands, model.fresh, model.stale, chosen, stretch_of, confidence, model.sigma,
                   model.params)


@dataclass
class MatchModel:
    """The hidden Markov model :func:`match_track` decodes for a track: the fresh (not stale) fixes' metric
    positions and times from the track's start, their candidates and emissions (log), the noise and the radius.
    ``fresh`` maps the model's fixes to the track's, ``stale`` marks the track's stale fixes.
    :mod:`routing.match_score` scores any sequence of candidates under it."""

    graph: MatchGraph
    params: MatchParameters
    cands: _Candidates
    emission: FloatArray
    x: FloatArray
    y: FloatArray
    t_s: FloatArray
    sigma: float
    radius: float
    fresh: IntArray
    stale: npt.NDArray[np.bool_]


def match_model(graph: MatchGraph, track: Track, params: MatchParameters | None = None) -> MatchModel:
    """The model of a track (its candidates, emissions, noise), as :func:`match_track` builds it."""
    params = (params or MatchParameters()).validated()
    n = len(track)
    if n == 0:
        raise RoutingInputError("the track has no valid fix to match")
    west, south, east, north = graph.network.bbox
    if not ((track.lon > west - 0.05) & (track.lon < east + 0.05)
            & (track.lat > south - 0.05) & (track.lat < north + 0.05)).any():
        raise RoutingInputError(
            f"no fix lies on the network (track around lon {np.median(track.lon):.3f}, lat "
            f"{np.median(track.lat):.3f}; network lon {west:.3f}..{east:.3f}, lat {south:.3f}..{north:.3f}): "
            f"swapped lon/lat or GCJ-02 not declared?")
    x_all, y_all = to_metric(track.lon, track.lat, graph.network.crs)
    stale = np.zeros(n, dtype=bool)
    stale[1:] = (track.lon[1:] == track.lon[:-1]) & (track.lat[1:] == track.lat[:-1])
    fresh = np.flatnonzero(~stale)
    x, y = x_all[fresh], y_all[fresh]
    t_s = (track.time_ns[fresh] - track.time_ns[0]) / 1e9
    points = shapely.points(x, y)
    sigma = _sigma(graph, points, x, y, t_s, params)
    radius = params.radius_m if params.radius_m is not None else min(200.0, max(50.0, 4.0 * sigma))
    cands = _candidates(graph, points, radius, params.max_candidates)
    model = MatchModel(graph, params, cands, -0.5 * (cands.distance / sigma) ** 2, x, y, t_s, sigma, radius, fresh,
                       stale)
    if (params.radius_from_match and params.sigma_m is None and params.radius_m is None
            and _close_triples(t_s).sum() < 10):
        return _radius_from_match(model, points)
    return model


def _radius_from_match(model: MatchModel, points: npt.NDArray[np.object_]) -> MatchModel:
    """The model again with the radius 4 × Newson & Krumm's eq. 4 noise estimate (1.4826 × the median distance from
    a fix to its matched road, after a first match), where that is the larger (see ``radius_from_match``)."""
    chosen, _, _ = _viterbi(model.graph, model.cands, model.emission, model.x, model.y, model.t_s, model.params,
                            model.sigma, model.radius)
    if not (chosen >= 0).any():
        return model
    wide = min(200.0, 4.0 * 1.4826 * float(np.median(model.cands.distance[chosen[chosen >= 0]])))
    if wide <= model.radius:
        return model
    cands = _candidates(model.graph, points, wide, model.params.max_candidates)
    return MatchModel(model.graph, model.params, cands, -0.5 * (cands.distance / model.sigma) ** 2, model.x,
                      model.y, model.t_s, model.sigma, wide, model.fresh, model.stale)


def _viterbi(graph: MatchGraph, cands: _Candidates, emission: FloatArray, x: FloatArray, y: FloatArray,
             t_s: FloatArray, params: MatchParameters, sigma: float,
             radius: float) -> tuple[IntArray, IntArray, list[float]]:
    """The most likely candidate of each fix (-1 unmatched), its stretch (-1 none), and stretch confidences."""
    n = len(x)
    usable = np.flatnonzero(np.diff(cands.ptr) > 0)
    chosen = np.full(n, -1, dtype=np.intp)
    stretch_of = np.full(n, -1, dtype=np.intp)
    confidence: list[float] = []
    # Transitions between consecutive usable fixes, a chunk at a time (each chunk one Dijkstra call).
    steps: list[FloatArray] = []
    for start in range(0, max(len(usable) - 1, 0), _CHUNK):
        a = usable[start:start + _CHUNK]
        b = usable[start + 1:start + 1 + _CHUNK]
        steps += _transitions(graph, cands, x, y, t_s, a[:len(b)], b, params, sigma, radius,
                              _travel_of(x, y, t_s, a[:len(b)], b, params, sigma))
    delta: FloatArray | None = None
    prev: dict[int, IntArray] = {}  # fix → back pointers to the previous member's candidates
    shares: dict[int, float] = {}
    members: list[int] = []
    i = 0
    while i < len(usable):
        fix = int(usable[i])
        own = emission[cands.of(fix)]
        if delta is None:
            delta, members = own.copy(), [fix]
        else:
            step = _advance(graph, cands, x, y, t_s, usable, i, steps, delta, members[-1], params, sigma, radius,
                            emission)
            if step is None:  # no plausible way on, even skipping outliers: close the stretch, start anew
                _close(members, prev, delta, cands, chosen, stretch_of, len(confidence), shares, confidence)
                delta = None
                continue
            skipped, back, score = step
            i += skipped
            fix = int(usable[i])
            prev[fix] = back
            delta = score + emission[cands.of(fix)]
            members.append(fix)
        weights = np.exp(delta - delta.max())
        shares[fix] = float(weights.max() / weights.sum())
        delta = delta - delta.max()  # keep the numbers small over long tracks
        i += 1
    if delta is not None:
        _close(members, prev, delta, cands, chosen, stretch_of, len(confidence), shares, confidence)
    return chosen, stretch_of, confidence


def _advance(graph: MatchGraph, cands: _Candidates, x: FloatArray, y: FloatArray, t_s: FloatArray,
             usable: IntArray, i: int, steps: list[FloatArray], delta: FloatArray, last: int,
             params: MatchParameters, sigma: float, radius: float,
             emission: FloatArray | None = None) -> tuple[int, IntArray, FloatArray] | None:
    """One Viterbi step from fix ``last`` to ``usable[i]``, or past up to ``max_skip`` outliers.

    A fix is skipped as an outlier when no candidate of it can be reached, and also (given ``emission``) when
    explaining it costs more than an outlier would and skipping it explains the next fix better: otherwise a fix
    that only a wrong road can explain (GPS noise towards a crowd of service roads) would end every hypothesis
    on the right road, however good it was before.

    Returns (fixes skipped, back pointers, best score per candidate of the fix reached), or None."""
    for skipped in range(params.max_skip + 1):
        if i + skipped >= len(usable):
            return None
        target = int(usable[i + skipped])
        log_t = steps[i - 1] if skipped == 0 and last == usable[i - 1] else _step(
            graph, cands, x, y, t_s, last, target, params, sigma, radius)
        total = delta[:, None] + log_t
        back = np.argmax(total, axis=0)
        score = total[back, np.arange(total.shape[1])]
        if not np.isfinite(score).any():
            continue
        if (emission is not None and skipped < params.max_skip and i + skipped + 1 < len(usable)
                and t_s[usable[i + skipped + 1]] - t_s[last] <= _OUTLIER_SPAN_S
                and _outlier_explains_better(graph, cands, x, y, t_s, delta, last, target,
                                             int(usable[i + skipped + 1]), log_t, score, emission, params,
                                             sigma, radius)):
            continue
        return skipped, back, score
    return None


def _step(graph: MatchGraph, cands: _Candidates, x: FloatArray, y: FloatArray, t_s: FloatArray, a: int, b: int,
          params: MatchParameters, sigma: float, radius: float) -> FloatArray:
    """The log transition matrix from the candidates of fix ``a`` to those of fix ``b``."""
    pa, pb = np.array([a]), np.array([b])
    return _transitions(graph, cands, x, y, t_s, pa, pb, params, sigma, radius,
                        _travel_of(x, y, t_s, pa, pb, params, sigma))[0]


def _travel_of(x: FloatArray, y: FloatArray, t_s: FloatArray, a: IntArray, b: IntArray, params: MatchParameters,
               sigma: float) -> Travel | None:
    if params.travel_window_s <= 0:
        return None
    return travel(t_s, x, y, a, b, params.travel_window_s, sigma)


def _outlier_explains_better(graph: MatchGraph, cands: _Candidates, x: FloatArray, y: FloatArray,
                             t_s: FloatArray, delta: FloatArray, last: int, target: int, after: int,
                             log_t: FloatArray, score: FloatArray, emission: FloatArray, params: MatchParameters,
                             sigma: float, radius: float) -> bool:
    """Whether fix ``target`` is better taken for an outlier: the best hypothesis so far cannot explain it, or
    explaining it costs more than an outlier, and the fix ``after`` it is reached better without it.

    An outlier costs what a road just beyond the fix's candidates would: a fix at the edge of the search radius,
    or, where the nearest ``max_candidates`` edges filled the list, one at the farthest of them (the driven road
    may be the next one: -(d/σ)²/2)."""
    own = cands.of(target)
    outlier = _outlier_cost(cands, target, params, sigma, radius)
    through = score + emission[own]
    best = int(np.argmax(delta))
    if through.max() >= delta.max() + outlier and np.isfinite((delta[best] + log_t[best]).max()):
        return False
    ahead = emission[cands.of(after)]
    via = (through[:, None] + _step(graph, cands, x, y, t_s, target, after, params, sigma, radius)).max(axis=0)
    past = (delta[:, None] + _step(graph, cands, x, y, t_s, last, after, params, sigma, radius)).max(axis=0)
    return bool((past + ahead).max() + outlier > (via + ahead).max())


def _outlier_cost(cands: _Candidates, fix: int, params: MatchParameters, sigma: float, radius: float) -> float:
    """What taking fix ``fix`` for an outlier costs (log): the emission of a road just beyond its candidates (see
    :func:`_outlier_explains_better`)."""
    own = cands.of(fix)
    truncated = own.stop - own.start >= params.max_candidates
    return -0.5 * ((float(cands.distance[own].max()) if truncated else radius) / sigma) ** 2


def _close(members: list[int], prev: dict[int, IntArray], delta: FloatArray, cands: _Candidates,
           chosen: IntArray, stretch_of: IntArray, number: int, shares: dict[int, float],
           confidence: list[float]) -> None:
    """Backtrack a stretch from its best final state and record its fixes' candidates."""
    state = int(np.argmax(delta))
    for fix in reversed(members):
        chosen[fix] = cands.ptr[fix] + state
        stretch_of[fix] = number
        if fix in prev:
            state = int(prev[fix][state])
    confidence.append(float(np.mean([shares[f] for f in members])))


def _result(graph: MatchGraph, track: Track, cands: _Candidates, fresh: IntArray, stale: npt.NDArray[np.bool_],
            chosen: IntArray, stretch_of: IntArray, confidence: list[float], sigma: float,
            params: MatchParameters) -> MatchResult:
    """Spread the fresh fixes' match to the stale ones and build the stretches' paths (gaps bridged as the
    transition measured them)."""
    n = len(track)
    has = np.diff(cands.ptr) > 0
    status_fresh = np.where(chosen >= 0, MATCHED, np.where(has, OUTLIER, OFF_NETWORK)).astype(object)
    # A stale fix is the fresh fix it repeats: index of the latest fresh fix at or before each fix.
    source = np.searchsorted(fresh, np.arange(n), side="right") - 1
    pick = chosen[source]
    hit = pick >= 0
    edge = np.full(n, -1, dtype=np.intp)
    offset = np.full(n, np.nan)
    distance = np.full(n, np.nan)
    edge[hit], offset[hit], distance[hit] = cands.edge[pick[hit]], cands.offset[pick[hit]], cands.distance[pick[hit]]
    status = status_fresh[source]
    status[stale & hit] = STALE
    stretches = []
    for number, share in enumerate(confidence):
        fixes = np.flatnonzero(stretch_of == number)
        members = fresh[fixes]
        pieces = driven_path(graph, cands.edge[chosen[fixes]], cands.offset[chosen[fixes]], track.time_ns[members],
                             4.0 * sigma, path_costs(graph, params.slow_road_weight, params.fast_road_kph),
                             params.slow_road_min_gap_s)
        stretches.append(Stretch(first=int(members[0]), last=int(np.flatnonzero(stretch_of[source] == number)[-1]),
                                 pieces=pieces, confidence=round(share, 4)))
    return MatchResult(graph=graph, track=track, edge=edge, offset_m=offset, distance_m=distance,
                       stretch=stretch_of[source], status=status, stretches=stretches, sigma_m=sigma)
