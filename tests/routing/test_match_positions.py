"""What the positions alone say of a model error (``routing.match_score.positions_verdict``, and its use by
``bench/diagnose_matching.py --causes``): a run of fixes that the match put on the wrong road is ``positions``
where the fixes are likelier from that road than from the driven one (scored by the emission only, at the true
noise), else ``priors``, with the model's terms whose removal alone lets the truth win.

A main road 大道 and its side road 大道辅路 10 m south of it, both one-way east, 1 km with a node every 100 m and no
link between them; a drive on the 辅路 with a fix every 10 s (100 m), σ 15 m: with the fixes 8 m off the 辅路 (2 m
off the main road) the positions favour the main road; with them 4 m off the 辅路 (6 m off the main road) they
favour the 辅路, but the 辅路 prior (2 per km) outweighs them and the match takes the main road: a priors error,
which the 辅路 term alone turns."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from bench.bench_matching import Drive
from bench.diagnose_matching import TERMS, causes, matched_roads
from routing.match_score import POSITIONS, PRIORS, NoiseModel, positions_verdict
from routing.matching import MatchParameters, match_track, prepare_matching
from routing.projection import to_metric, to_wgs84
from tests.routing.synthetic import synthetic_network
from tests.routing.test_matching import raw_track

MAIN, SIDE = "大道", "大道辅路"
SIGMA = 15.0


@pytest.fixture(scope="module")
def main_and_side():
    xs = [float(x) for x in range(0, 1_001, 100)]
    network = synthetic_network([(MAIN, "primary", [(x, 10.0) for x in xs], False),
                                 (SIDE, "primary", [(x, 0.0) for x in xs], False)])
    return network, prepare_matching(network)


def road(graph, network, name):
    """The edges of road ``name`` from west to east, and its centre line (metric)."""
    edges = np.flatnonzero((network.edges["name"] == name).to_numpy())
    edges = edges[np.argsort(shapely.get_coordinates(shapely.get_point(graph.geoms[edges], 0))[:, 0])]
    return edges, shapely.line_merge(shapely.union_all(graph.geoms[edges]))


def drive_on_side(network, graph, towards_main: float) -> Drive:
    """A drive along the 辅路 at 10 m/s, a fix every 100 m that lies ``towards_main`` of the way to the main road."""
    side, side_line = road(graph, network, SIDE)
    _, main_line = road(graph, network, MAIN)
    along = np.arange(20.0, 1_000.0, 100.0)
    a = shapely.get_coordinates(shapely.line_interpolate_point(side_line, along))
    b = shapely.get_coordinates(shapely.line_interpolate_point(main_line, along))
    xy = a + towards_main * (b - a)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    at = (along // 100).astype(int)
    return Drive(edges=side.tolist(), track=raw_track(lon, lat, along / 10.0), seen=(0, len(side) - 1), at=at,
                 outlier=np.zeros(len(along), dtype=bool))


def diagnose(network, graph, towards_main):
    drive = drive_on_side(network, graph, towards_main)
    params = MatchParameters(sigma_m=SIGMA)
    result = match_track(graph, drive.track, params)
    main, _ = road(graph, network, MAIN)
    assert set(result.edge.tolist()) <= set(main.tolist())  # the match took the main road throughout
    return causes(graph, drive, result, params, NoiseModel(SIGMA)), float(graph.length[drive.edges].sum())


def test_fixes_nearer_the_wrong_road_are_the_positions_fault(main_and_side):
    network, graph = main_and_side
    why, total = diagnose(network, graph, 0.8)
    assert why["positions"] == pytest.approx(total)
    assert why["priors"] == 0 and not any(why[f"priors: {term}"] for term in TERMS)


def test_fixes_nearer_the_driven_road_that_a_prior_outweighs_are_the_priors_fault(main_and_side):
    network, graph = main_and_side
    why, total = diagnose(network, graph, 0.4)
    assert why["priors"] == pytest.approx(total)
    assert why["positions"] == 0
    # Only the 辅路 prior turned it: without it the truth wins; no other term alone changes the verdict.
    assert {term for term in TERMS if why[f"priors: {term}"]} == {"辅路"}
    assert why["priors: 辅路"] == pytest.approx(total)


def test_positions_verdict_weighs_outliers_as_the_receiver_throws_them():
    # Two fixes 5 m off the true road, one 200 m off it; the wrong road lies 5 m from all three.
    truth, wrong = np.array([5.0, 5.0, 200.0]), np.array([5.0, 5.0, 5.0])
    assert positions_verdict(NoiseModel(15.0), truth, wrong) == POSITIONS  # a 200 m fix is impossible noise
    # A receiver that throws 1 % of its fixes 100–300 m off explains it no better: the wrong road still wins,
    # but by the outlier's own likelihood, not by (200/15)²/2.
    noise = NoiseModel(15.0, 0.01, (100.0, 300.0))
    assert positions_verdict(noise, truth, wrong) == POSITIONS
    gap = noise.log_density(np.array([5.0]))[0] - noise.log_density(np.array([200.0]))[0]
    near = np.log(0.99 / (2 * np.pi * 15.0 ** 2)) - 0.5 * (5.0 / 15.0) ** 2
    thrown = np.log(0.01 / 200.0 / (2 * np.pi * 200.0))  # a throw of 100–300 m, 200 m: within the ring
    assert gap == pytest.approx(near - thrown, abs=1e-3)  # 9.7, not (200/15)²/2 = 89
    # Equal distances (the other direction of the same street) are no evidence either way: the priors decide.
    assert positions_verdict(noise, wrong, wrong) == PRIORS


def test_a_fix_the_match_could_not_place_is_scored_on_the_road_its_path_drove_then(main_and_side):
    network, graph = main_and_side
    drive = drive_on_side(network, graph, 0.8)
    x, y = to_metric(drive.track.lon, drive.track.lat, network.crs)
    lon, lat = to_wgs84(x[5:6], y[5:6] + 150.0, network.crs)  # fix 5 thrown 150 m north: no road within the radius
    drive.track.lon[5], drive.track.lat[5] = lon[0], lat[0]
    drive.outlier[5] = True
    params = MatchParameters(sigma_m=SIGMA)
    result = match_track(graph, drive.track, params)
    assert result.status[5] == "off_network"
    main, _ = road(graph, network, MAIN)
    fresh = np.arange(len(drive.track))
    roads = matched_roads(result, fresh, shapely.points(*to_metric(drive.track.lon, drive.track.lat, network.crs)))
    assert roads.tolist() == main.tolist()  # fix 5 on the main road's edge driven at its time
    why = causes(graph, drive, result, params, NoiseModel(SIGMA, 0.01, (100.0, 300.0)))
    assert why["positions"] == pytest.approx(float(graph.length[drive.edges].sum()))
