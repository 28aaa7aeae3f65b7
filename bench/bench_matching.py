"""Benchmark the map matcher: accuracy on simulated drives over real networks, the river crossings, speed.

Run from the repository root: ``python bench/bench_matching.py [--drives 12] [--quick]``. Needs ``../shared/data``.
``--quick`` (5 drives per cell, crossings at 1, 10 and 30 s) re-measures the table in under 3 minutes on a quiet
machine. ``--sampling``/``--noise`` restrict the table to some cells, ``--set NAME=VALUE`` changes a
:class:`~routing.matching.MatchParameters` value (``--set road_change_penalty=0``) and ``--all-ways`` matches onto
footways too, to measure one part of the matcher against another on other seeds than the default's.

Simulated drives (the truth known): fastest paths between random nodes on the ways motor vehicles drive, 2–6 km,
driven at 70 % of each road's speed, sampled every 1–60 s with Gaussian noise of σ 5–30 m, 1 % outliers (100–300 m
off), 2 % stale repeats (the previous position again with a new time) and no fix inside tunnels (no signal there). Dual
carriageways and the many parallel streets of both cities are the parallel-road cases: an edge counts as
matched only in the right direction.

Printed: per sampling interval and noise, the share of the true route length matched correctly (its edges on the
matched path) and the share of the matched length that is on the true route; the share of passages through each
tunnel or bridge where the match took that same structure and no other (Shanghai: the Huangpu tunnels
复兴东路隧道, 人民路隧道 and the others, and the bridges over Suzhou Creek); speed in fixes per second on one core;
the bundled Shenzhen taxi fixes matched onto the Futian graph.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.host import QUIET_MS, reference_loop_ms  # noqa: E402
from routing.match_graph import motor_ways  # noqa: E402
from routing.matching import MatchGraph, MatchParameters, match_track, prepare_matching  # noqa: E402
from routing.network import Network, load_network  # noqa: E402
from routing.projection import to_wgs84  # noqa: E402
from routing.tracks import Track, track_from_frame  # noqa: E402

DATA = REPO.parent / "shared" / "data"
NETWORKS = {"Shanghai": DATA / "osm" / "shanghai_center.osm", "Shenzhen": DATA / "osm" / "shenzhen_futian.graphml"}
TAXI = DATA / "gps" / "shenzhen_taxi_traj2.csv"
SAMPLING_S = (1, 5, 10, 30, 60)
NOISE_M = (5, 15, 30)
T0 = pd.Timestamp("2026-01-01T08:00:00Z")
# The simulated receiver (see simulate): a share of outliers thrown 100–300 m off, a share of stale repeats.
OUTLIER_SHARE, OUTLIER_M, STALE_SHARE = 0.01, (100.0, 300.0), 0.02
# Issue 20's goal: share of the route length matched correctly, by sampling interval (none at 60 s).
GOAL = {1: 0.98, 5: 0.98, 10: 0.98, 30: 0.95}


@dataclass
class Drive:
    """A simulated drive: the true edge positions (in ``network.edges``) and the noisy fixes.

    ``seen`` is the first and last position in ``edges`` where a fix was sampled (a stale repeat: where the fix it
    repeats was): the route before and after lies beyond the track's first and last fix (a destination inside a
    tunnel, with no signal there; a last fix repeating the one before), which no fix shows."""

    edges: list[int]
    track: Track
    seen: tuple[int, int] = (0, -1)
    at: np.ndarray | None = None  # per fix, its sampled position in ``edges`` (a stale repeat: the fix it repeats)
    outlier: np.ndarray | None = None  # per fix, whether it is a simulated outlier (or repeats one)

    def unseen(self) -> list[int]:
        """The edges of the route before the first or after the last fix's sampled position."""
        first, last = self.seen
        return self.edges[:first] + self.edges[last % len(self.edges) + 1:]


def structures(network: Network) -> pd.Series:
    """Each edge's river crossing ("" for none): the name of a tunnel called …隧道 or a bridge called …桥.

    Those are Shanghai's tunnels under the Huangpu and its bridges over Suzhou Creek. Underpasses (…地道) and
    the road names that OSM puts on every bridge carriageway are left out: an underpass runs beneath the street
    it bypasses, and without a fix inside no matcher can tell which of the two was driven."""
    edges = network.edges
    named = edges["name"].map(lambda v: "/".join(v) if isinstance(v, list) else ("" if pd.isna(v) else str(v)))
    marked = np.zeros(len(edges), dtype=bool)
    for tag in ("tunnel", "bridge"):
        if tag in edges:
            text = edges[tag].astype(str).str.lower()
            marked |= edges[tag].notna().to_numpy() & ~text.isin(["no", "nan", "none"]).to_numpy()
    crossing = named.str.contains("隧道") | named.str.endswith("桥")
    # The two decks of the 复兴东路隧道 run between the same banks: which one was driven shows in no fix outside.
    return named.where(marked & crossing, "").str.replace(r"\s*\((上层|下层)\)$", "", regex=True)


def edge_path(network: Network, nodes: list[int], graph: nx.MultiDiGraph | None = None) -> list[int]:
    """Positions in ``network.edges`` of the shortest parallel edge (of ``graph``) between consecutive nodes."""
    graph = network.graph if graph is None else graph
    position = {key: i for i, key in enumerate(network.edges.index)}
    out = []
    for u, v in zip(nodes[:-1], nodes[1:]):
        key = min(graph[u][v], key=lambda k: graph[u][v][k]["length"])
        out.append(position[(u, v, key)])
    return out


def simulate(network: Network, edges: list[int], dt_s: float, noise_m: float, rng: np.random.Generator,
             tunnel: np.ndarray) -> Drive:
    """Drive the edges at 70 % of their speed; sample, add noise, outliers and stale repeats; no fix in tunnels."""
    geoms = network.edges.geometry.values
    lengths = shapely.length(geoms[edges])
    speeds = network.edges["speed_kph"].to_numpy()[edges] / 3.6 * 0.7
    ends_t = np.cumsum(lengths / speeds)
    t = np.append(np.arange(0.0, ends_t[-1], dt_s), ends_t[-1])  # the last fix at the destination
    which = np.searchsorted(ends_t, t, side="right").clip(max=len(edges) - 1)
    into = (t - (ends_t[which] - lengths[which] / speeds[which])) * speeds[which]
    xy = shapely.get_coordinates(shapely.line_interpolate_point(geoms[np.asarray(edges)[which]], into))
    xy = xy + rng.normal(0.0, noise_m, xy.shape)
    outlier = rng.random(len(t)) < OUTLIER_SHARE
    angle = rng.uniform(0, 2 * np.pi, outlier.sum())
    xy[outlier] += np.column_stack((np.cos(angle), np.sin(angle))) * rng.uniform(*OUTLIER_M, (outlier.sum(), 1))
    stale = np.flatnonzero(rng.random(len(t)) < STALE_SHARE)
    stale = stale[stale > 0]
    xy[stale] = xy[stale - 1]
    keep = ~tunnel[np.asarray(edges)[which]]
    sampled = which.copy()
    sampled[stale] = which[stale - 1]
    sampled = sampled[keep]
    lon, lat = to_wgs84(xy[keep, 0], xy[keep, 1], network.crs)
    # The fixes go to the matcher as they are: the track reader's jump filter would drop the outliers (and,
    # with σ 30 m every second, much of the rest), and the matcher is what is measured.
    track = Track(lon=lon, lat=lat, time_ns=T0.value + np.round(t[keep] * 1e9).astype(np.int64), speed_kph=None,
                  points=int(keep.sum()))
    seen = (int(sampled.min()), int(sampled.max())) if len(sampled) else (0, -1)
    outlier[stale] = outlier[stale - 1]
    return Drive(edges=list(edges), track=track, seen=seen, at=sampled, outlier=outlier[keep])


def random_routes(network: Network, count: int, rng: np.random.Generator) -> list[list[int]]:
    """Fastest paths of 2–6 km between random nodes, on the ways motor vehicles drive (no footway)."""
    nodes = np.array(list(network.graph.nodes))
    drivable = network.graph.edge_subgraph(network.edges.index[motor_ways(network.edges)])
    routes: list[list[int]] = []
    while len(routes) < count:
        a, b = rng.choice(nodes, 2, replace=False)
        try:
            path = nx.shortest_path(drivable, int(a), int(b), weight="travel_time")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
        edges = edge_path(network, path, drivable)
        if 2_000 <= network.edges["length"].to_numpy()[edges].sum() <= 6_000:
            routes.append(edges)
    return routes


def crossing_routes(network: Network, names: pd.Series) -> list[tuple[str, list[int]]]:
    """For each named tunnel or bridge edge, a route from ~1 km before it to ~1 km after it through it."""
    graph = network.graph
    reverse = graph.reverse(copy=False)
    routes = []
    seen: set[str] = set()
    for position in np.flatnonzero((names != "").to_numpy()):
        u, v, _ = network.edges.index[position]
        if names.iloc[position] == "":
            continue
        name = names.iloc[position]
        if (name, u) in seen:
            continue
        seen.add((name, u))
        before = nx.single_source_dijkstra(reverse, u, cutoff=3_000, weight="length")
        after = nx.single_source_dijkstra(graph, v, cutoff=3_000, weight="length")
        passage = _passage(network, names, name, before, after)
        if passage is not None:
            routes.append((name, passage))
    return routes


def _passage(network: Network, names: pd.Series, name: str, before: tuple[dict, dict],
             after: tuple[dict, dict]) -> list[int] | None:
    """The first loop-free route from a node 0.8–3 km before the edge to one 0.8–3 km after it that has 500 m of
    road on both sides of the structure (not one starting or ending in the tunnel) and crosses a river."""
    starts = sorted((n for n, d in before[0].items() if d >= 800), key=before[0].get, reverse=True)[:6]
    ends = sorted((n for n, d in after[0].items() if d >= 800), key=after[0].get, reverse=True)[:6]
    lengths = network.edges["length"].to_numpy()
    for start in starts:
        for end in ends:
            nodes = before[1][start][::-1] + after[1][end]
            if len(set(nodes)) != len(nodes):
                continue
            edges = edge_path(network, nodes)
            run = [i for i, e in enumerate(edges) if names.iloc[e] == name]
            if min(lengths[edges[:run[0]]].sum(), lengths[edges[run[-1] + 1:]].sum()) < 500:
                continue
            if _is_crossing(network, names, name, int(nodes[run[0]]), int(nodes[run[-1] + 1])):
                return edges
            return None
    return None


def _is_crossing(network: Network, names: pd.Series, name: str, u: int, v: int) -> bool:
    """Whether any other way between the structure's ends (either direction: the ends are often one-way ramps)
    is at least twice as long plus 300 m: a river crossing, not a tunnel running beneath the street it bypasses
    (外滩隧道 under 中山东一路), which no fix outside it can tell from that street."""
    inside = set(network.edges.index[(names == name).to_numpy()])
    length = nx.shortest_path_length(network.graph, u, v, weight="length")
    undirected = network.graph.to_undirected(as_view=True)

    def weight(a: int, b: int, data: dict) -> float | None:
        if any((a, b, k) in inside or (b, a, k) in inside for k in data):
            return None
        return min(x["length"] for x in data.values())

    try:
        other = nx.shortest_path_length(undirected, u, v, weight=weight)
    except nx.NetworkXNoPath:
        return True
    return other >= 2 * length + 300


def matched_edges(result: object) -> list[int]:
    return [p.edge for s in result.stretches for p in s.pieces]  # type: ignore[attr-defined]


def accuracy(network: Network, truth: list[int], matched: list[int]) -> tuple[float, float]:
    """Share of the true length matched, share of the matched length that is true."""
    length = shapely.length(network.edges.geometry.values)
    true, got = set(truth), set(matched)
    recall = length[list(true & got)].sum() / max(length[list(true)].sum(), 1e-9)
    precision = length[list(true & got)].sum() / max(length[list(got)].sum(), 1e-9)
    return float(recall), float(precision)


def run_accuracy(name: str, network: Network, graph: MatchGraph, drives: int, seed: int,
                 params: MatchParameters, sampling: tuple[float, ...] = SAMPLING_S,
                 noises: tuple[float, ...] = NOISE_M) -> tuple[int, float]:
    rng = np.random.default_rng(seed)
    tunnel = network.edges["tunnel"].notna().to_numpy() if "tunnel" in network.edges else \
        np.zeros(len(network.edges), bool)
    routes = random_routes(network, drives, rng)
    length = shapely.length(network.edges.geometry.values)
    fixes, seconds = 0, 0.0
    unseen: list[float] = []
    print(f"\n{name}: {drives} drives per cell, share of route length matched (+ goal met, - not) / share of "
          f"matched length true")
    print("  sampling " + "".join(f"   σ {n:>2g} m        " for n in noises))
    for dt in sampling:
        cells = []
        for noise in noises:
            scores = []
            for edges in routes:
                drive = simulate(network, edges, dt, noise, rng, tunnel)
                track = drive.track
                if len(track) < 2:
                    continue
                started = time.process_time()
                result = match_track(graph, track, params)
                seconds += time.process_time() - started
                fixes += len(track)
                scores.append(accuracy(network, edges, matched_edges(result)))
                unseen.append(float(length[drive.unseen()].sum() / length[edges].sum()))
            recall, precision = np.mean(scores, axis=0)
            mark = " " if dt not in GOAL else ("+" if recall >= GOAL[dt] else "-")
            cells.append(f"{recall:7.1%}{mark}/ {precision:6.1%}  ")
        print(f"  {dt:>5g} s " + "".join(cells) + (f" goal ≥ {GOAL[dt]:.0%}" if dt in GOAL else " (no goal)"))
    # Counted in the table as route to match; no fix shows it (see Drive.seen).
    print(f"  route before the first or after the last fix (a destination in a tunnel, a stale last fix): "
          f"{np.mean(unseen):.2%} of the length on average, at most {max(unseen, default=0.0):.1%} of a drive")
    return fixes, seconds


def run_crossings(network: Network, graph: MatchGraph, seed: int, params: MatchParameters,
                  sampling: tuple[int, ...] = SAMPLING_S) -> None:
    names = structures(network)
    routes = crossing_routes(network, names)
    tunnel = network.edges["tunnel"].notna().to_numpy()
    rng = np.random.default_rng(seed)
    crossed = sorted({name for name, _ in routes})  # the structures that are river crossings
    print(f"\nShanghai river crossings: {len(routes)} passages through {len(crossed)} tunnels and bridges "
          f"({', '.join(crossed)}), share where the match took the same crossings as the drive (σ 15 m)")
    wrong: dict[int, list[str]] = {}
    for dt in sampling:
        right = total = 0
        for structure, edges in routes:
            drive = simulate(network, edges, dt, 15.0, rng, tunnel)
            if len(drive.track) < 2:  # a short passage sampled sparsely: all in the tunnel
                continue
            total += 1
            result = match_track(graph, drive.track, params)
            # Only river crossings count: 外滩隧道, say, runs beneath the street the drive took (see _is_crossing).
            want = {s for s in names.iloc[edges] if s in crossed}
            got = {s for s in names.iloc[matched_edges(result)] if s in crossed}
            if want == got:
                right += 1
            else:
                wrong.setdefault(dt, []).append(f"{structure}: drove {sorted(want)}, matched {sorted(got)}")
        print(f"  {dt:>5} s: {right / total:6.1%} ({right} of {total})")
    for dt, cases in wrong.items():
        for case in cases[:3]:
            print(f"    {dt} s wrong: {case}")


def run_taxi(network: Network, graph: MatchGraph) -> None:
    raw = pd.read_csv(TAXI)
    print(f"\nShenzhen taxi fixes ({len(raw)}, {raw['moveid'].nunique()} moves) on the Futian graph:")
    for move, group in raw.groupby("moveid"):
        frame = group.rename(columns={"speed": "speed_kph"})
        track = track_from_frame(frame, source="taxi", require_majority=False, min_valid=1)
        result = match_track(graph, track)
        roads = [n for n in dict.fromkeys(result.fix_table()["name"].dropna().astype(str))]
        print(f"  move {move}: {len(track)} fixes, {result.matched_share:.0%} matched, "
              f"{len(result.stretches)} stretch(es), confidence {[s.confidence for s in result.stretches]}, "
              f"roads {roads}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drives", type=int, default=12, help="drives per cell of the accuracy table")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--sigma", type=float, default=None, help="GPS noise σ, m (default: estimated per track)")
    parser.add_argument("--beta", type=float, default=MatchParameters.beta_m)
    parser.add_argument("--candidates", type=int, default=MatchParameters.max_candidates)
    parser.add_argument("--only", choices=sorted(NETWORKS), default=None, help="one network only")
    parser.add_argument("--no-crossings", action="store_true")
    parser.add_argument("--quick", action="store_true", help="5 drives per cell, crossings at 1, 10 and 30 s")
    parser.add_argument("--sampling", type=float, nargs="*", default=list(SAMPLING_S), help="sampling intervals, s")
    parser.add_argument("--noise", type=float, nargs="*", default=list(NOISE_M), help="noise σ, m")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="another MatchParameters value, e.g. road_change_penalty=0 (repeatable)")
    parser.add_argument("--all-ways", action="store_true", help="match onto footways and paths too")
    args = parser.parse_args()
    drives = 5 if args.quick else args.drives
    crossing_sampling = (1, 10, 30) if args.quick else SAMPLING_S
    extra = {name: float(value) for name, value in (item.split("=", 1) for item in args.set)}
    params = MatchParameters(sigma_m=args.sigma, beta_m=args.beta, max_candidates=args.candidates,
                             **extra).validated()
    reference = reference_loop_ms()
    print(f"host: reference loop {reference:.0f} ms (quiet machine {QUIET_MS:.0f} ms)")
    fixes, seconds = 0, 0.0
    for name, path in NETWORKS.items():
        if args.only and name != args.only:
            continue
        network = load_network(path)
        graph = prepare_matching(network, motor_vehicles=not args.all_ways)
        f, s = run_accuracy(name, network, graph, drives, args.seed, params, tuple(args.sampling), tuple(args.noise))
        fixes, seconds = fixes + f, seconds + s
        if name == "Shanghai" and not args.no_crossings:
            run_crossings(network, graph, args.seed, params, crossing_sampling)
        elif name == "Shenzhen":
            run_taxi(network, graph)
    print(f"\nspeed: {fixes} fixes matched in {seconds:.1f} s CPU: {fixes / seconds:,.0f} fixes/s on one core "
          f"(FMM, in C++, reports 25–45 k/s)")


if __name__ == "__main__":
    main()
