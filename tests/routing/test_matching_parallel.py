"""Parallel roads the fixes cannot tell apart by position (issue 20): what else decides between them.

- A flyover that osmnx merged from the ways of two roads (named both 红荔西路 and 红荔路) beside the ground road that
  changes its name from one to the other at a junction under it: the flyover is on both roads, so taking it is no
  change of road, and the drive over it is matched onto it.
"""
from __future__ import annotations

import numpy as np
import pytest

from routing.matching import MatchParameters, match_track, prepare_matching
from routing.tracks import track_from_frame
from tests.routing.simulate import drive, path_line
from tests.routing.synthetic import synthetic_network

WEST, EAST = "红荔西路", "红荔路"


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
