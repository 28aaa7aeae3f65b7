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


def test_between_sparse_fixes_the_main_road_wins_over_a_shorter_residential_street(fork):
    network, graph = fork
    result = match_track(graph, track(network, graph, SPARSE, 30.0), MatchParameters(sigma_m=10.0))
    assert driven_names(network, result) == {MAIN}


def test_by_length_alone_the_shorter_residential_street_wins(fork):
    """The case the weight is for: with paths by length, the 10 m shorter residential detour is taken."""
    network, graph = fork
    result = match_track(graph, track(network, graph, SPARSE, 30.0),
                         MatchParameters(sigma_m=10.0, slow_road_weight=0.0))
    assert SHORTCUT in driven_names(network, result)


def test_a_fix_on_the_residential_street_shows_it(fork):
    network, graph = fork
    points = [(-700.0, 0.0), (-360.0, 0.0), (-20.0, 0.0), (0.0, 330.0), (400.0, 420.0), (400.0, 800.0)]
    result = match_track(graph, track(network, graph, points, 30.0), MatchParameters(sigma_m=10.0))
    assert SHORTCUT in driven_names(network, result)


def test_fixes_closer_than_the_gap_are_joined_by_length(fork):
    """Fixes closer in time than slow_road_min_gap_s are joined by the shortest path, as without the weight."""
    network, graph = fork
    result = match_track(graph, track(network, graph, SPARSE, 30.0),
                         MatchParameters(sigma_m=10.0, slow_road_min_gap_s=31.0))
    assert SHORTCUT in driven_names(network, result)


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
