"""The matcher's road priors on a synthetic main road with its 辅路 (side road) 12 m beside it, joined by ramps every
300 m: the match stays on one road instead of swapping with the noise, takes the main road where the fixes cannot
tell the two apart and the 辅路 where they keep to its side; a vehicle is not matched onto a footway; the direction
of travel decides a trip's last fix at a junction."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing.matching import MatchParameters, match_track, prepare_matching
from routing.projection import to_wgs84
from routing.tracks import track_from_frame
from tests.routing.simulate import START, drive, path_line
from tests.routing.synthetic import synthetic_network

LENGTH_M = 3_000.0
MAIN, SIDE = "深南大道", "深南大道辅路"


def main_road_with_side_road():
    """A one-way main road east (y 0) and its one-way 辅路 east 12 m north, each with a node every 100 m, a ramp
    from the main road to the 辅路 and one back every 300 m, and a common approach and exit."""
    xs = [float(x) for x in np.arange(0.0, LENGTH_M + 1, 100.0)]
    roads = [(MAIN, "trunk", [(x, 0.0) for x in xs], False),
             (SIDE, "secondary", [(x, 12.0) for x in xs], False),
             ("", "trunk", [(-500.0, 0.0), (-100.0, 0.0), (0.0, 0.0)], False),
             ("", "trunk", [(LENGTH_M, 0.0), (LENGTH_M + 100.0, 0.0), (LENGTH_M + 500.0, 0.0)], False),
             ("", "secondary_link", [(-100.0, 0.0), (0.0, 12.0)], False),
             ("", "secondary_link", [(LENGTH_M, 12.0), (LENGTH_M + 100.0, 0.0)], False)]
    for x in np.arange(100.0, LENGTH_M - 100.0, 300.0):
        roads += [("", "trunk_link", [(float(x), 0.0), (float(x) + 100.0, 12.0)], False),
                  ("", "trunk_link", [(float(x) + 100.0, 12.0), (float(x) + 200.0, 0.0)], False)]
    return synthetic_network(roads)


@pytest.fixture(scope="module")
def side_road():
    network = main_road_with_side_road()
    return network, prepare_matching(network)


def driven_share(network, graph, name: str, params: MatchParameters, seed: int, noise_m: float = 20.0) -> float:
    """Share of the length of road ``name`` on the path matched to a drive along it (σ ``noise_m``, every 5 s)."""
    names = network.edges["name"].to_numpy()
    road = np.flatnonzero(names == name)
    order = road[np.argsort(graph.node_x[graph.edge_u[road]])]
    nodes = [int(network.edges.index[e][0]) for e in order] + [int(network.edges.index[order[-1]][1])]
    sim = drive(path_line(network, nodes), network, speed_mps=12.0, dt_s=5.0, noise_m=noise_m,
                seed=seed)
    result = match_track(graph, track_from_frame(sim.frame), params)
    driven = {p.edge for s in result.stretches for p in s.pieces}
    return float(graph.length[sorted(driven & set(road.tolist()))].sum() / graph.length[road].sum())


@pytest.mark.parametrize("seed", range(4))
def test_main_road_is_not_swapped_for_its_side_road(side_road, seed):
    network, graph = side_road
    assert driven_share(network, graph, MAIN, MatchParameters(sigma_m=20.0), seed) >= 0.9


@pytest.mark.parametrize("seed", range(4))
def test_side_road_is_matched_where_the_fixes_keep_to_it(side_road, seed):
    """σ 10 m: the fixes sit 12 m north of the main road, a run of them outweighs the 辅路's prior."""
    network, graph = side_road
    assert driven_share(network, graph, SIDE, MatchParameters(sigma_m=10.0), seed, noise_m=10.0) >= 0.9


def test_without_the_road_prior_the_noise_swaps_the_roads(side_road):
    """The case the prior is for: with no cost for leaving the road, the match swaps to the 辅路 and back."""
    network, graph = side_road
    shares = [driven_share(network, graph, MAIN, MatchParameters(sigma_m=20.0, road_change_penalty=0.0,
                                                                 side_road_penalty=0.0), seed)
              for seed in range(4)]
    assert min(shares) < 0.9


@pytest.mark.parametrize("seed", range(10))
def test_main_road_wins_where_the_fixes_cannot_tell_it_from_its_side_road(side_road, seed):
    """σ 30 m, the roads 12 m apart: the 辅路 prior decides for the main road."""
    network, graph = side_road
    assert driven_share(network, graph, MAIN, MatchParameters(sigma_m=30.0), seed, noise_m=30.0) >= 0.9


def test_without_the_side_road_prior_the_match_may_stay_on_the_side_road(side_road):
    """The case that prior is for: the stay-on-the-road prior alone keeps some drives on the 辅路 throughout."""
    network, graph = side_road
    shares = [driven_share(network, graph, MAIN, MatchParameters(sigma_m=30.0, side_road_penalty=0.0), seed,
                           noise_m=30.0) for seed in range(10)]
    assert min(shares) < 0.9


def street_with_pavement():
    """A two-way street east (y 0) with a footway beside it 8 m north, joined to it at both ends."""
    xs = [float(x) for x in np.arange(0.0, 2_001.0, 100.0)]
    return synthetic_network([("福华路", "secondary", [(x, 0.0) for x in xs], True),
                              ("", "footway", [(0.0, 0.0), (0.0, 8.0)] + [(x, 8.0) for x in xs[1:]]
                               + [(2_000.0, 0.0)], True)])


@pytest.mark.parametrize("motor_vehicles", [True, False])
def test_a_vehicle_is_not_matched_onto_the_pavement(motor_vehicles):
    """σ 30 m every second, the footway 8 m beside the street: none of 4 drives is matched onto it."""
    network = street_with_pavement()
    graph = prepare_matching(network, motor_vehicles=motor_vehicles)
    street = list(range(1, 22))  # the street's nodes, west to east (made first)
    on_footway = 0
    for seed in range(4):
        sim = drive(path_line(network, street), network, speed_mps=12.0, dt_s=1.0, noise_m=30.0, seed=seed)
        table = match_track(graph, track_from_frame(sim.frame), MatchParameters(sigma_m=30.0)).fix_table()
        on_footway += int((table["highway"] == "footway").sum())
    if motor_vehicles:
        assert on_footway == 0
    else:  # the case left out: the pavement is as near as the street
        assert on_footway > 0


@pytest.mark.parametrize(("heading_weight", "road"), [(1.0, "大道"), (0.0, "支路")])
def test_direction_of_travel_decides_the_last_fix_at_a_junction(heading_weight, road):
    """A drive east whose last fix lies 3 m past a junction and 10 m north of the road, as near the side street
    leaving north as the road ahead: the direction from the fix before (east, 11° off) decides for the road
    ahead; without it the side street wins (the stay-on-the-road prior off, to weigh the direction alone)."""
    network = synthetic_network([("大道", "primary", [(float(x), 0.0) for x in range(-500, 501, 100)], True),
                                 ("支路", "residential", [(0.0, 0.0), (0.0, 300.0)], True)])
    graph = prepare_matching(network)
    junction = int(np.flatnonzero(graph.node_ids == 6)[0])  # (0, 0): the sixth node of 大道
    xy = np.array([(-400.0 + 50.0 * i, 0.0) for i in range(8)] + [(3.0, 10.0)])
    xy += (graph.node_x[junction], graph.node_y[junction])
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    times = (START + pd.to_timedelta(np.arange(len(xy)) * 5.0, unit="s")).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    params = MatchParameters(sigma_m=10.0, road_change_penalty=0.0, heading_weight=heading_weight)
    table = match_track(graph, track_from_frame(pd.DataFrame({"time": times, "lon": lon, "lat": lat})),
                        params).fix_table()
    assert table["name"].iloc[-1] == road
    assert (table["name"].iloc[:-1] == "大道").all()
