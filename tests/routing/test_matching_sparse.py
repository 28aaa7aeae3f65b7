"""The matcher on sparse fixes (30 s apart): between fixes far apart the path joining two candidates is the one a
driver takes, the quickest by road speeds (``slow_road_weight``), not the shortest, so the main road wins over
slightly shorter residential streets where no fix shows them; where a fix shows the residential street, or the
fixes come close together, the shortest path joins them as before."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing.live_matching import FixedLagMatcher
from routing.match_graph import path_costs, path_length, slow_road_factor
from routing.matching import MatchParameters, match_track, prepare_matching
from routing.projection import to_wgs84
from routing.tracks import track_from_frame
from tests.routing.simulate import START
from tests.routing.synthetic import synthetic_network

MAIN, SHORTCUT = "大道", "小巷"


@pytest.fixture(scope="module")
def fork():
    """A primary road east to (0, 0), on east to a corner at (410, 0), north through (400, 400) to (400, 900);
    a residential street from (0, 0) north to (0, 400) and east to (400, 400): 800 m against the main road's
    810 m between the fork and the merge."""
    network = synthetic_network([
        (MAIN, "primary", [(-800.0, 0.0), (-400.0, 0.0), (0.0, 0.0), (410.0, 0.0), (400.0, 400.0), (400.0, 900.0)],
         False),
        (SHORTCUT, "residential", [(0.0, 0.0), (0.0, 400.0), (400.0, 400.0)], False)])
    return network, prepare_matching(network)


def track(network, graph, points: list[tuple[float, float]], dt_s: float):
    """Fixes at ``points`` (metres from the fork), ``dt_s`` apart."""
    fork_node = int(np.flatnonzero(graph.node_ids == 3)[0])  # (0, 0): the third node of the main road
    xy = np.array(points) + (graph.node_x[fork_node], graph.node_y[fork_node])
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    times = (START + pd.to_timedelta(np.arange(len(xy)) * dt_s, unit="s")).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return track_from_frame(pd.DataFrame({"time": times, "lon": lon, "lat": lat}))


def driven_names(network, result) -> set[str]:
    names = network.edges["name"].to_numpy()
    return {str(names[p.edge]) for s in result.stretches for p in s.pieces if p.to_m > p.from_m}


SPARSE = [(-700.0, 0.0), (-360.0, 0.0), (-20.0, 0.0), (400.0, 420.0), (400.0, 800.0)]


@pytest.mark.parametrize(("params", "points", "roads"), [
    # Between sparse fixes the main road a driver takes wins over the 10 m shorter residential detour ...
    ({}, SPARSE, {MAIN}),
    # ... which is the shortest path, taken by length alone (the case the weight is for) ...
    ({"slow_road_weight": 0.0}, SPARSE, {MAIN, SHORTCUT}),
    # ... or when the fixes are closer in time than slow_road_min_gap_s ...
    ({"slow_road_min_gap_s": 31.0}, SPARSE, {MAIN, SHORTCUT}),
    # ... and where a fix shows the residential street, it is driven.
    ({}, SPARSE[:3] + [(0.0, 330.0)] + SPARSE[3:], {MAIN, SHORTCUT}),
])
def test_the_path_between_sparse_fixes(fork, params, points, roads):
    network, graph = fork
    result = match_track(graph, track(network, graph, points, 30.0), MatchParameters(sigma_m=10.0, **params))
    assert driven_names(network, result) == roads


def test_the_live_matcher_weighs_the_same(fork):
    network, graph = fork
    fixes = track(network, graph, SPARSE, 30.0)
    params = MatchParameters(sigma_m=10.0)
    live = FixedLagMatcher(graph, params)
    final = live.feed(fixes.time_ns, fixes.lon, fixes.lat) + live.flush()
    assert [f.edge for f in final] == match_track(graph, fixes, params).edge.tolist()


def test_slow_road_costs(fork):
    """A residential street (20 km/h) costs 1 + w × (50 / 20 − 1) a metre, a primary road (50) 1; the graph the
    driver's path is searched on decodes to the path's length, and is made once per weight."""
    _, graph = fork
    factor = slow_road_factor(graph, 1.0, 50.0)
    highway = graph.network.edges["highway"].to_numpy()
    assert np.allclose(factor[highway == "residential"], 2.5)
    assert np.allclose(factor[highway == "primary"], 1.0)
    assert slow_road_factor(graph, 0.0, 50.0) is None and path_costs(graph, 0.0, 50.0) is None
    costs = path_costs(graph, 1.0, 50.0)
    assert costs is path_costs(graph, 1.0, 50.0)
    assert np.allclose(np.sort(path_length(costs.data)), np.sort(graph.csr.data))
    assert np.isinf(path_length(np.array([np.inf]))).all()
