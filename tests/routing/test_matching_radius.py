"""The candidate radius on sparse tracks (``radius_from_match``, off by default): the noise read from the nearest
road is low where other roads lie nearer the fixes than the driven one, so 4 × it leaves the driven road beyond
the radius of the fixes the noise threw farthest; Newson & Krumm's eq. 4 (the distance to the *matched* road,
after a first match) reads it right, and the radius from it holds the driven road for every fix.

A one-way road east, 3 km, with unconnected parallel roads 25, 50 and 75 m either side of it; fixes every 30 s at
10 m/s on it, with σ 30 m of noise across it."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing.matching import MatchParameters, match_model, prepare_matching
from routing.projection import to_wgs84
from tests.routing.synthetic import synthetic_network
from tests.routing.test_matching import raw_track

DRIVEN = "大道"


@pytest.fixture(scope="module")
def striped():
    xs = [float(x) for x in range(0, 3_001, 100)]
    roads = [(DRIVEN, "primary", [(x, 0.0) for x in xs], False)]
    roads += [(f"旁路{k}", "primary", [(x, float(k)) for x in xs], False) for k in (-75, -50, -25, 25, 50, 75)]
    network = synthetic_network(roads)
    return network, prepare_matching(network)


def sparse_track(network, graph):
    driven = np.flatnonzero((network.edges["name"] == DRIVEN).to_numpy())
    line = shapely.line_merge(shapely.union_all(graph.geoms[driven]))
    along = np.arange(50.0, 3_000.0, 300.0)
    across = np.array([-55.0, 35.0, -20.0, 10.0, 45.0, -30.0, 15.0, -5.0, 62.0, -40.0])  # about σ 30 m
    start, end = shapely.get_coordinates(line)[[0, -1]]
    east = (end - start) / np.hypot(*(end - start))
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, along)) + across[:, None] * [-east[1], east[0]]
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    return raw_track(lon, lat, along / 10.0), driven


def test_the_radius_from_the_matched_road_holds_the_driven_road(striped):
    network, graph = striped
    track, driven = sparse_track(network, graph)
    held = []
    for params in (MatchParameters(), MatchParameters(radius_from_match=True)):
        model = match_model(graph, track, params)
        held.append([bool(np.isin(model.cands.edge[model.cands.of(i)], driven).any()) for i in range(len(track))])
        if params.radius_from_match:
            # 4 × 1.4826 × the median distance to the first match's roads (13.5 m; to the nearest road: 7.5 m)
            assert 100.0 < model.radius < 140.0
        else:
            assert model.radius == 50.0  # 4 × the nearest road's σ (1.4826 × 7.5 m), raised to the 50 m minimum
    assert held[0] == [False, True, True, True, True, True, True, True, False, True]  # the 55 and 62 m fixes
    assert all(held[1])
    # The emission keeps the track's own estimate; a given σ or radius is never replaced.
    assert match_model(graph, track, MatchParameters(radius_from_match=True)).sigma == match_model(graph, track).sigma
    assert match_model(graph, track, MatchParameters(radius_from_match=True, sigma_m=10.0)).radius == 50.0
