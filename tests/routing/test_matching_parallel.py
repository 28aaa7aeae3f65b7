"""Parallel roads the fixes cannot tell apart by position (issue 20): what else decides between them.

- A flyover that osmnx merged from the ways of two roads (named both 红荔西路 and 红荔路) beside the ground road that
  changes its name from one to the other at a junction under it: the flyover is on both roads, so taking it is no
  change of road, and the drive over it is matched onto it.
- A street with side streets every 100 m, driven straight at σ 30 m every second: the direction of travel fitted
  on the fixes of the last 10 s keeps the match off the side streets far better than the direction from one fix
  to the next, which 1 s apart says next to nothing at σ 30 m.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from routing.live_matching import FixedLagMatcher
from routing.matching import MatchParameters, match_track, prepare_matching, travel
from routing.tracks import track_from_frame
from tests.routing.simulate import drive, path_line
from tests.routing.synthetic import synthetic_network
from tests.routing.test_matching import raw_track

WEST, EAST = "红荔西路", "红荔路"
LONG_LAG = {"lag_fixes": 10_000, "lag_s": 100_000.0}


def flyover_beside_ground_road():
    """One-way east: an approach named 红荔西路, a 600 m flyover named [红荔西路, 红荔路] (one edge, as osmnx
    merges ways) and, on the same line, the ground road with a junction every 100 m, 红荔西路 to x 300 m and 红荔路
    after; then an exit named 红荔路."""
    xs = [float(x) for x in range(0, 601, 100)]
    return synthetic_network([
        (WEST, "secondary", [(-500.0, 0.0), (0.0, 0.0)], False),
        ([WEST, EAST], "primary", [(0.0, 0.0), (600.0, 0.0)], False),
        (WEST, "secondary", [(x, 0.0) for x in xs if x <= 300.0], False),
        (EAST, "primary", [(x, 0.0) for x in xs if x >= 300.0], False),
        (EAST, "primary", [(600.0, 0.0), (1_100.0, 0.0)], False),
    ])


@pytest.mark.parametrize("seed", range(4))
def test_flyover_merged_from_two_roads_is_no_change_of_road(seed):
    network = flyover_beside_ground_road()
    graph = prepare_matching(network)
    names = network.edges["name"].to_numpy()
    flyover = next(i for i, n in enumerate(names) if isinstance(n, list))
    u, v, _ = network.edges.index[flyover]
    start = network.edges.index[0][0]
    end = network.edges.index[int(np.flatnonzero(graph.edge_u == graph.edge_v[flyover])[0])][1]
    sim = drive(path_line(network, [start, u, v, end]), network, speed_mps=14.0, dt_s=5.0, noise_m=15.0, seed=seed)
    result = match_track(graph, track_from_frame(sim.frame), MatchParameters(sigma_m=15.0))
    driven = {p.edge for s in result.stretches for p in s.pieces}
    assert flyover in driven
    assert not driven & set(np.flatnonzero(graph.length < 101.0).tolist())  # no piece of the ground road


def street_with_side_streets():
    """A two-way street east (福华路, 2 km, a node every 100 m) with a 60 m two-way side street north and south at
    every inner node."""
    xs = [float(x) for x in range(0, 2_001, 100)]
    roads = [("福华路", "secondary", [(x, 0.0) for x in xs], True)]
    for x in xs[1:-1]:
        roads += [(f"北{x:.0f}", "residential", [(x, 0.0), (x, 60.0)], True),
                  (f"南{x:.0f}", "residential", [(x, 0.0), (x, -60.0)], True)]
    return synthetic_network(roads)


def test_direction_fitted_over_several_fixes_keeps_off_the_side_streets():
    network = street_with_side_streets()
    graph = prepare_matching(network)
    names = network.edges["name"].to_numpy()
    street = list(range(1, 22))  # 福华路's nodes, west to east (made first)
    off = {}
    for window in (0.0, 10.0):
        off[window] = 0.0
        for seed in range(4):
            sim = drive(path_line(network, street), network, speed_mps=12.0, dt_s=1.0, noise_m=30.0, seed=seed)
            track = raw_track(sim.frame["lon"], sim.frame["lat"], np.arange(len(sim.frame), dtype=float))
            result = match_track(graph, track, MatchParameters(sigma_m=30.0, travel_window_s=window))
            off[window] += sum(p.to_m - p.from_m for s in result.stretches for p in s.pieces
                               if names[p.edge] != "福华路")
    assert MatchParameters().travel_window_s == 10.0
    assert off[10.0] < 0.6 * off[0.0]


def test_travel_is_the_fitted_displacement_and_the_plain_one_for_two_fixes():
    rng = np.random.default_rng(3)
    t = np.arange(30.0)
    x, y = 10.0 * t + rng.normal(0.0, 30.0, 30), rng.normal(0.0, 30.0, 30)
    fitted = travel(t, x, y, np.arange(29), np.arange(1, 30), 10.0, 30.0)
    later = slice(10, None)  # a full window behind them
    fitted_off = np.abs(np.degrees(np.arctan2(fitted.dy[later], fitted.dx[later])))
    plain_off = np.abs(np.degrees(np.arctan2(np.diff(y)[later], np.diff(x)[later])))
    assert np.median(fitted_off) < 15.0 and np.median(fitted_off) < np.median(plain_off) / 3.0
    assert np.all(fitted.spread[later] < 5.0)  # against 42 m between two fixes
    sparse = np.arange(0.0, 300.0, 30.0)
    plain = travel(sparse, 10.0 * sparse, 0.0 * sparse, np.arange(9), np.arange(1, 10), 10.0, 30.0)
    assert np.allclose(plain.dx, 300.0) and np.allclose(plain.dy, 0.0)
    assert np.allclose(plain.spread, 30.0 * np.sqrt(2.0))


@pytest.mark.parametrize("seed", [0, 4])
@pytest.mark.parametrize("size", [1, 7])
def test_fixed_lag_matcher_fits_the_direction_as_the_whole_track_does(size, seed):
    """σ 30 m every second, the side streets: fed in batches (the state through JSON, so the fixes of the last
    10 s travel in it), the fixed-lag matcher reports the candidates the whole-track matcher chose (a lag longer
    than the drive: at σ 30 m the paths may not meet within the default lag, whose cut is an approximation).
    Drives whose whole-track match takes no fix for an outlier: the fixed-lag matcher does not weigh a fix that
    "an outlier explains better" (match_track's test between fixes 20 s apart), with or without the fitted
    direction."""
    network = street_with_side_streets()
    graph = prepare_matching(network)
    sim = drive(path_line(network, list(range(1, 22))), network, speed_mps=12.0, dt_s=1.0, noise_m=30.0,
                seed=seed)
    track = raw_track(sim.frame["lon"], sim.frame["lat"], np.arange(len(sim.frame), dtype=float))
    params = MatchParameters(sigma_m=30.0)
    whole = match_track(graph, track, params)
    assert (whole.status == "matched").all()
    found, state = [], None
    for first in range(0, len(track), size):
        part = slice(first, first + size)
        matcher = FixedLagMatcher(graph, params, state, **LONG_LAG)
        found += matcher.feed(track.time_ns[part], track.lon[part], track.lat[part])
        state = json.loads(json.dumps(matcher.state(), allow_nan=False))
        assert len(state["recent"]) <= 11
    found += FixedLagMatcher(graph, params, state, **LONG_LAG).flush()
    assert [f.edge for f in found] == whole.edge.tolist()
