"""Where the map matcher misses: the true route length not matched, by kind, per network, noise and sampling.

Run from the repository root: ``python bench/diagnose_matching.py [--drives 8] [--only Shenzhen]``. Uses the
drives of ``bench/bench_matching.py`` (same simulation, other seeds allowed) and sorts each missed true edge into
the first kind that fits:

- ``unseen``: before the first fix's or after the last fix's sampled position (a destination inside a tunnel, a
  last fix repeating the one before): no fix shows it, yet the bench counts it as route to match;
- ``trip end``: within 150 m (along the route) of the drive's start or end;
- ``opposite``: the same road in the other direction is on the matched path (a two-way street or the other
  carriageway driven backwards);
- ``carriageway``: a matched edge off the route of the same road name runs within 40 m of the missed edge's
  middle (the other carriageway of a dual carriageway, or a ramp of the same name);
- ``parallel``: another matched edge off the route runs within 40 m of the missed edge's middle (a parallel
  street, a service road such as the 辅路 beside Shenzhen's main roads);
- ``short``: shorter than 30 m (a junction link);
- ``other``: none of those (a detour elsewhere, a break).

Then by cause (``--causes``), each missed true edge under the first that fits, from the fixes on it or, where none
is, the fixes either side of it: ``unseen`` (as above); ``missing`` / ``radius`` (a fix's true edge is not among its
candidates: cut by the ``max_candidates`` nearest / beyond the radius); ``search`` (the truth scores higher than
the match under the matcher's own model over the run of fixes where they differ, :mod:`routing.match_score`: a
better decoder would have found it; ``skip``: the match took a fix the truth explains for an outlier; ``break``:
the match broke into a new stretch within the run, where the truth goes on, e.g. past an outlier it explained);
a model error (the truth scores lower: no decoder helps) split by what the positions alone say
(:func:`routing.match_score.positions_verdict`: the emission only, at the simulator's true σ and with its
outliers): ``positions`` (the fixes are likelier from the wrong road: no matcher that reads the positions and
weighs the roads alike gets it), ``impossible`` (they are not, and the model rules the true path out), ``priors``
(they are not: the transitions and road priors turned it, a better model could fix it); ``between`` (every fix
near it matched right: the path joining them is not the one driven). "At most from positions" is the route share
left once the ``positions``, ``unseen`` and ``between`` misses are taken out. For each ``priors`` miss, the terms
whose removal alone lets the truth win (each rescored with one term off, :data:`TERMS`).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_matching import NETWORKS, NOISE_M, OUTLIER_M, OUTLIER_SHARE, SAMPLING_S  # noqa: E402
from bench.bench_matching import Drive, matched_edges, random_routes, simulate  # noqa: E402
from routing.match_score import (  # noqa: E402
    CANDIDATE_MISSING, MODEL, POSITIONS, SEARCH, NoiseModel, Window, compare_paths, path_score, positions_verdict,
    road_distances, states_on,
)
from routing.matching import (  # noqa: E402
    MatchGraph, MatchModel, MatchParameters, MatchResult, match_model, match_track, prepare_matching,
)
from routing.network import Network, load_network  # noqa: E402
from routing.tracks import Track  # noqa: E402

KINDS = ("unseen", "trip end", "opposite", "carriageway", "parallel", "short", "other")
CAUSES = ("unseen", "missing", "radius", "search", "skip", "break", "positions", "priors", "impossible", "between")
_RANK = {CANDIDATE_MISSING: 0, SEARCH: 1, MODEL: 2}
#: The terms of the model a ``priors`` miss is rescored without, one at a time (``sigma_m``: the true noise).
TERMS = {"road change": {"road_change_penalty": 0.0}, "辅路": {"side_road_penalty": 0.0},
         "direction": {"heading_weight": 0.0}, "quickest path": {"slow_road_weight": 0.0},
         "transition": {"beta_m": 1e9}, "true σ": {"sigma_m": None}}


def classify(network: Network, graph: MatchGraph, truth: list[int], matched: list[int],
             unseen: frozenset[int] = frozenset()) -> Counter:
    """Missed true length (m) by kind (``unseen``: the true edges no fix shows, :meth:`Drive.unseen`)."""
    length = graph.length
    name = network.edges["name"].map(
        lambda v: "/".join(v) if isinstance(v, list) else ("" if pd.isna(v) else str(v))).to_numpy()
    got = set(matched)
    off_route = np.array(sorted(got - set(truth)), dtype=np.intp)
    pairs = {(int(graph.edge_u[e]), int(graph.edge_v[e])) for e in got}
    along = np.cumsum(length[truth]) - length[truth] / 2
    total = float(length[truth].sum())
    missed: Counter = Counter()
    for e, middle in zip(truth, along):
        if e in got:
            continue
        centre = shapely.line_interpolate_point(graph.geoms[e], 0.5, normalized=True)
        if e in unseen:
            kind = "unseen"
        elif min(middle, total - middle) <= 150 + length[e] / 2:
            kind = "trip end"
        elif (int(graph.edge_v[e]), int(graph.edge_u[e])) in pairs:
            kind = "opposite"
        elif len(near := off_route[shapely.distance(graph.geoms[off_route], centre) <= 40]):
            kind = "carriageway" if name[e] and name[e] in {name[n] for n in near} else "parallel"
        elif length[e] < 30:
            kind = "short"
        else:
            kind = "other"
        missed[kind] += float(length[e])
    return missed


def matched_roads(result: MatchResult, fresh: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per fresh fix, the road the match puts it on: its matched edge, or for a fix it took for an outlier (or
    could not place), the edge of its matched path nearest the fix among those driven closest to the fix's time."""
    edge = result.edge[fresh].copy()
    pieces = [p for s in result.stretches for p in s.pieces]
    if not pieces:
        return edge
    piece_edge = np.array([p.edge for p in pieces])
    enter = np.array([p.enter_ns for p in pieces])
    leave = np.array([p.exit_ns for p in pieces])
    for i in np.flatnonzero(edge < 0):
        t = result.track.time_ns[fresh[i]]
        gap = np.maximum(np.maximum(enter - t, t - leave), 0)
        near = piece_edge[gap == gap.min()]
        edge[i] = near[np.argmin(shapely.distance(result.graph.geoms[near], points[i]))]
    return edge


def _label(model: MatchModel, w: Window, truth: np.ndarray, outlier: np.ndarray, true_edge: np.ndarray,
           noise: NoiseModel, apart: tuple[np.ndarray, np.ndarray], starts: frozenset[int]) -> str:
    """The cause of one window of :func:`compare_paths` (see the module's doc); ``apart``: each fix's distance to
    its true road and to its matched road."""
    if w.verdict == CANDIDATE_MISSING:
        lost = [i for i in w.run if truth[i] < 0 and not outlier[i]]
        far = shapely.distance(model.graph.geoms[true_edge[lost]], shapely.points(model.x[lost], model.y[lost]))
        return "radius" if (far > model.radius).any() else "missing"
    if w.verdict == SEARCH:
        if w.skipped:
            return "skip"
        return "break" if any(w.first < s <= w.last for s in starts) else "search"
    span = slice(w.first, w.last + 1)
    if positions_verdict(noise, apart[0][span], apart[1][span]) == POSITIONS:
        return "positions"
    return "priors" if np.isfinite(w.truth) else "impossible"


def turned_by(graph: MatchGraph, track: Track, w: Window, params: MatchParameters, noise: NoiseModel,
              true_edge: np.ndarray, outlier: np.ndarray, matched: np.ndarray, starts: frozenset[int],
              models: dict) -> list[str]:
    """The terms (:data:`TERMS`) whose removal alone lets the truth outscore the match over window ``w``, each
    rescored as :func:`~routing.match_score.compare_paths` scores it (``true_edge``, ``outlier``: per fresh fix;
    ``matched``: the match's edge per fresh fix, -1 where it took the fix for an outlier)."""
    turned = []
    for name, change in TERMS.items():
        if name not in models:
            models[name] = match_model(graph, track, replace(
                params, **{k: (noise.sigma_m if v is None else v) for k, v in change.items()}))
        model = models[name]
        mine = states_on(model, matched)
        truth = states_on(model, true_edge)
        truth = np.where(outlier & (mine != truth), -1, truth)
        if path_score(model, truth, w.first, w.last) > path_score(model, mine, w.first, w.last, starts) + 1e-6:
            turned.append(name)
    return turned


def causes(graph: MatchGraph, drive: Drive, result: MatchResult, params: MatchParameters,
           noise: NoiseModel) -> Counter:
    """Missed true length (m) by cause (see the module's doc): each fix's window of :func:`compare_paths` decides
    for the edges it lies on and, where no fix lies on a missed edge, the fixes either side of it do. ``noise``:
    the receiver's true noise, for the positions' verdict. Keys ``priors: TERM`` hold the ``priors`` length each
    term alone turned (:func:`turned_by`)."""
    model = match_model(graph, drive.track, params)
    fresh = model.fresh
    route = np.asarray(drive.edges)
    at = np.asarray(drive.at)[fresh]
    outlier = np.asarray(drive.outlier)[fresh]
    truth = states_on(model, route[at])
    starts = frozenset(int(np.searchsorted(fresh, s.first)) for s in result.stretches)
    matched = result.edge[fresh]
    windows = compare_paths(model, truth, states_on(model, matched), outlier, starts)
    roads = matched_roads(result, fresh, shapely.points(model.x, model.y))
    apart = (road_distances(model, route[at]), road_distances(model, roads))
    label: list[tuple[int, str, int] | None] = [None] * len(fresh)
    turned: list[list[str]] = []
    models: dict = {}
    for number, w in enumerate(windows):
        detail = _label(model, w, truth, outlier, route[at], noise, apart, starts)
        turned.append(turned_by(graph, drive.track, w, params, noise, route[at], outlier, matched, starts, models)
                      if detail == "priors" else [])
        for i in w.run:
            label[i] = (_RANK[w.verdict], detail, number)
    usable = np.diff(model.cands.ptr) > 0
    got = set(matched_edges(result))
    missed: Counter = Counter()
    unseen = set(drive.unseen())
    for p, e in enumerate(route.tolist()):
        if e in got:
            continue
        if e in unseen:
            missed["unseen"] += float(graph.length[e])
            continue
        near = np.flatnonzero(usable & (at == p)).tolist()
        before, after = np.flatnonzero(usable & (at < p)), np.flatnonzero(usable & (at > p))
        if not near:
            near = before[-1:].tolist() + after[:1].tolist()
        found = sorted(label[i] for i in near if label[i] is not None)
        missed[found[0][1] if found else "between"] += float(graph.length[e])
        for term in turned[found[0][2]] if found else ():
            missed[f"priors: {term}"] += float(graph.length[e])
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drives", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--only", choices=sorted(NETWORKS), default=None)
    parser.add_argument("--noise", type=float, nargs="*", default=list(NOISE_M))
    parser.add_argument("--sampling", type=float, nargs="*", default=list(SAMPLING_S))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="another MatchParameters value, as bench_matching.py's --set (repeatable)")
    parser.add_argument("--causes", action="store_true",
                        help="also split the misses by cause: candidate missing, search or model error")
    args = parser.parse_args()
    params = MatchParameters(**{name: float(value) for name, value in (item.split("=", 1) for item in args.set)})
    for name, path in NETWORKS.items():
        if args.only and name != args.only:
            continue
        network = load_network(path)
        graph = prepare_matching(network)
        rng = np.random.default_rng(args.seed)
        tunnel = network.edges["tunnel"].notna().to_numpy() if "tunnel" in network.edges else \
            np.zeros(len(network.edges), bool)
        routes = random_routes(network, args.drives, rng)
        rows = []
        for dt in args.sampling:
            for noise in args.noise:
                missed: Counter = Counter()
                why: Counter = Counter()
                total = 0.0
                for edges in routes:
                    drive = simulate(network, edges, dt, noise, rng, tunnel)
                    if len(drive.track) < 2:
                        continue
                    result = match_track(graph, drive.track, params)
                    missed += classify(network, graph, edges, matched_edges(result), frozenset(drive.unseen()))
                    if args.causes:
                        why += causes(graph, drive, result, params, NoiseModel(noise, OUTLIER_SHARE, OUTLIER_M))
                    total += float(graph.length[edges].sum())
                rows.append((dt, noise, sum(missed.values()) / total, missed, why, total))
        print(f"\n{name}: missed share of the true route length, by kind ({args.drives} drives per cell)")
        print("  sampling  σ m  missed  " + "".join(f"{k:>12}" for k in KINDS))
        for dt, noise, share, missed, _, total in rows:
            print(f"  {dt:>6g} s {noise:>4g}  {share:6.1%}  " + "".join(f"{missed[k] / total:>12.1%}" for k in KINDS))
        if args.causes:
            print(f"\n{name}: missed share of the true route length, by cause (missing: cut by the nearest "
                  f"{params.max_candidates}; skip, break: search, a fix taken for an outlier, a new stretch; "
                  f"impossible: model, the truth ruled out)")
            print("  sampling  σ m  missed  " + "".join(f"{k:>11}" for k in CAUSES))
            for dt, noise, share, _, why, total in rows:
                print(f"  {dt:>6g} s {noise:>4g}  {share:6.1%}  " + "".join(f"{why[k] / total:>11.2%}" for k in CAUSES))
            print(f"\n{name}: the model errors by what the positions alone say (emission only, at the true σ, with "
                  f"the simulated outliers), the most matchable from the positions (positions, unseen and between "
                  f"out), and the priors misses each term's removal alone would turn")
            print("  sampling  σ m  positions   priors  at most  " + "".join(f"{k:>14}" for k in TERMS))
            for dt, noise, _, _, why, total in rows:
                bound = 1.0 - (why["positions"] + why["unseen"] + why["between"]) / total
                print(f"  {dt:>6g} s {noise:>4g}  {why['positions'] / total:>8.2%} {why['priors'] / total:>8.2%} "
                      f"{bound:>7.1%}  " + "".join(f"{why['priors: ' + k] / total:>14.2%}" for k in TERMS))


if __name__ == "__main__":
    main()
