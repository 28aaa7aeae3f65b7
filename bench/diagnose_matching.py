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
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_matching import NETWORKS, NOISE_M, SAMPLING_S, matched_edges, random_routes, simulate  # noqa: E402
from routing.matching import MatchGraph, MatchParameters, match_track, prepare_matching  # noqa: E402
from routing.network import Network, load_network  # noqa: E402

KINDS = ("unseen", "trip end", "opposite", "carriageway", "parallel", "short", "other")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drives", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--only", choices=sorted(NETWORKS), default=None)
    parser.add_argument("--noise", type=float, nargs="*", default=list(NOISE_M))
    parser.add_argument("--sampling", type=float, nargs="*", default=list(SAMPLING_S))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="another MatchParameters value, as bench_matching.py's --set (repeatable)")
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
        print(f"\n{name}: missed share of the true route length, by kind ({args.drives} drives per cell)")
        print("  sampling  σ m  missed  " + "".join(f"{k:>12}" for k in KINDS))
        for dt in args.sampling:
            for noise in args.noise:
                missed: Counter = Counter()
                total = 0.0
                for edges in routes:
                    drive = simulate(network, edges, dt, noise, rng, tunnel)
                    if len(drive.track) < 2:
                        continue
                    result = match_track(graph, drive.track, params)
                    missed += classify(network, graph, edges, matched_edges(result), frozenset(drive.unseen()))
                    total += float(graph.length[edges].sum())
                share = sum(missed.values()) / total
                print(f"  {dt:>6g} s {noise:>4g}  {share:6.1%}  "
                      + "".join(f"{missed[k] / total:>12.1%}" for k in KINDS))


if __name__ == "__main__":
    main()
