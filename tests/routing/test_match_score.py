"""Scoring candidate sequences under the matcher's own model (routing.match_score): where a match differs from
the truth, a search error (the truth scores higher), a model error (it scores lower) or a missing candidate.

Two one-way roads east, 10 m apart, 1 km long with a node every 100 m (no link between them): a drive on the
southern one whose fixes lie on it must score higher on it than on the northern one, and a drive on it whose
fixes all lie on the northern one must score lower (the fixes favour the wrong road: no decoder can help)."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing.match_score import CANDIDATE_MISSING, MODEL, SEARCH, compare_paths, path_score, states_on
from routing.matching import MatchParameters, match_model, match_track, prepare_matching
from routing.projection import to_wgs84
from tests.routing.synthetic import synthetic_network
from tests.routing.test_matching import raw_track

SOUTH, NORTH = "南路", "北路"


@pytest.fixture(scope="module")
def two_roads():
    xs = [float(x) for x in range(0, 1_001, 100)]
    network = synthetic_network([(SOUTH, "secondary", [(x, 0.0) for x in xs], False),
                                 (NORTH, "secondary", [(x, 10.0) for x in xs], False)])
    return network, prepare_matching(network)


def road_edges(network, name):
    return np.flatnonzero((network.edges["name"] == name).to_numpy())


def fixes_on(network, graph, name, seed=3):
    """Fixes every 5 s at 10 m/s on road ``name`` (1 m of noise), and the edge of that road under each."""
    edges = road_edges(network, name)
    line = shapely.line_merge(shapely.union_all(graph.geoms[edges]))
    along = np.arange(20.0, 980.0, 50.0)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    xy += np.random.default_rng(seed).normal(0.0, 1.0, xy.shape)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    under = edges[np.argmin(shapely.distance(graph.geoms[edges][None, :], shapely.points(xy)[:, None]), axis=1)]
    return raw_track(lon, lat, along / 10.0), under


def same_places_on(network, graph, edges, name):
    """The edges of road ``name`` beside ``edges`` (the same stretch of the other road)."""
    other = road_edges(network, name)
    middles = shapely.line_interpolate_point(graph.geoms[edges], 0.5, normalized=True)
    return other[np.argmin(shapely.distance(graph.geoms[other][None, :], middles[:, None]), axis=1)]


def test_truth_that_the_fixes_show_scores_higher_a_wrong_match_is_a_search_error(two_roads):
    network, graph = two_roads
    track, south = fixes_on(network, graph, SOUTH)
    model = match_model(graph, track, MatchParameters(sigma_m=5.0))
    truth = states_on(model, south)
    wrong = states_on(model, same_places_on(network, graph, south, NORTH))
    assert (truth >= 0).all() and (wrong >= 0).all()
    last = len(truth) - 1
    assert path_score(model, truth, 0, last) > path_score(model, wrong, 0, last)
    none = np.zeros(len(truth), dtype=bool)
    [window] = compare_paths(model, truth, wrong, none)
    assert (window.verdict, window.first, window.last) == (SEARCH, 0, last)
    # The matcher itself finds the truth: no window left.
    result = match_track(graph, track, MatchParameters(sigma_m=5.0))
    assert compare_paths(model, truth, states_on(model, result.edge[model.fresh]), none) == []


def test_truth_the_fixes_do_not_show_scores_lower_the_match_is_a_model_error(two_roads):
    network, graph = two_roads
    track, north = fixes_on(network, graph, NORTH)
    south = same_places_on(network, graph, north, SOUTH)  # driven, but every fix lies on the northern road
    model = match_model(graph, track, MatchParameters(sigma_m=5.0))
    truth = states_on(model, south)
    result = match_track(graph, track, MatchParameters(sigma_m=5.0))
    matched = states_on(model, result.edge[model.fresh])
    assert set(result.edge.tolist()) <= set(north.tolist())
    [window] = compare_paths(model, truth, matched, np.zeros(len(truth), dtype=bool))
    assert window.verdict == MODEL
    assert window.truth < window.matched
    assert window.truth == path_score(model, truth, window.first, window.last)


def test_a_fix_taken_for_an_outlier_costs_the_outlier_rule_and_a_true_road_left_out_is_a_missing_candidate(
        two_roads):
    network, graph = two_roads
    track, north = fixes_on(network, graph, NORTH)
    south = same_places_on(network, graph, north, SOUTH)
    model = match_model(graph, track, MatchParameters(sigma_m=5.0, max_candidates=1))  # the nearest road only
    truth = states_on(model, south)
    assert (truth == -1).all()
    matched = states_on(model, north)
    outlier = np.zeros(len(truth), dtype=bool)
    [window] = compare_paths(model, truth, matched, outlier)
    assert window.verdict == CANDIDATE_MISSING
    # Taken for outliers, those fixes are no candidate missing: each costs the outlier rule's cost, that of a fix at
    # the edge of the radius (2 candidates, 50 m): far below the fixes' emissions on the northern road.
    model = match_model(graph, track, MatchParameters(sigma_m=5.0))
    [window] = compare_paths(model, states_on(model, south), states_on(model, north), np.ones(len(truth), bool))
    assert window.verdict == MODEL
    assert window.truth == pytest.approx(-0.5 * len(truth) * (50.0 / 5.0) ** 2)
