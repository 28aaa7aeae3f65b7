"""The transition's distance (``candidate_distance``, off by default): the network distance between two candidates
is weighed against the fixes' great-circle distance (Newson & Krumm), or against the straight line between the
candidates themselves, which the noise across the road does not lengthen.

A one-way road east, 1 km; two fixes 1 s apart, 7 m apart along the road and thrown 20 m either side of it (σ 30 m
noise): 41 m apart, 7 m apart on the road."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing.match_score import path_score, states_on
from routing.matching import MatchParameters, match_model, prepare_matching
from routing.projection import to_wgs84
from tests.routing.synthetic import synthetic_network
from tests.routing.test_matching import raw_track


@pytest.fixture(scope="module")
def road():
    network = synthetic_network([("大道", "primary", [(0.0, 0.0), (1_000.0, 0.0)], False)])
    return network, prepare_matching(network)


def test_the_transition_weighs_the_path_against_the_fixes_or_the_candidates(road):
    network, graph = road
    line = graph.geoms[0]
    start, end = shapely.get_coordinates(line)[[0, -1]]
    east = (end - start) / np.hypot(*(end - start))
    north = np.array([-east[1], east[0]])
    xy = start + np.array([400.0, 407.0])[:, None] * east + np.array([20.0, -20.0])[:, None] * north
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    track = raw_track(lon, lat, [0.0, 1.0])
    scores = []
    for chosen in (False, True):
        model = match_model(graph, track, MatchParameters(sigma_m=30.0, heading_weight=0.0,
                                                          candidate_distance=chosen))
        states = states_on(model, np.zeros(2, dtype=np.intp))
        scores.append(path_score(model, states, 0, 1) - float(model.emission[states].sum()))
    gc = float(np.hypot(*(xy[1] - xy[0])))
    assert scores[0] == pytest.approx(-(gc - 7.0) / 15.0, abs=1e-3)  # |41 m − 7 m| / β
    assert scores[1] == pytest.approx(0.0, abs=1e-3)  # the path is the straight line between the candidates
