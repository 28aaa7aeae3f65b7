"""The fixed-lag matcher (routing/live_matching.py): fed in batches, it reports the same matches as the whole-track
matcher, its state survives JSON between batches, and the lag bounds what it keeps."""
from __future__ import annotations

import json

import numpy as np
import pytest

from routing._errors import RoutingInputError
from routing.live_matching import FinalFix, FixedLagMatcher
from routing.matching import MatchParameters, match_track, prepare_matching
from routing.projection import to_wgs84
from routing.tracks import Track, read_track
from tests.paths import REPO
from tests.routing.simulate import drive
from tests.routing.test_matching import dual_carriageway, raw_track

PARAMS = MatchParameters(sigma_m=10.0)


@pytest.fixture(scope="module")
def graph(shanghai):
    return prepare_matching(shanghai)


def awkward_track(shanghai) -> Track:
    """A drive with stale repeats, an outlier 400 m off, a fix far off the network and an impossible jump."""
    driven, _ = dual_carriageway(shanghai)
    frame = drive(shanghai.edges.geometry[driven], shanghai, dt_s=3.0, noise_m=6.0, seed=11).frame
    lon, lat = frame["lon"].to_numpy().copy(), frame["lat"].to_numpy().copy()
    lon[10:13], lat[10:13] = lon[9], lat[9]  # stale repeats
    lat[20] += 400 / 110_574  # an outlier
    lon[25], lat[25] = 121.9, 31.6  # far from any road of the extract
    x, y = shanghai.edges.geometry[driven].coords[0]
    _, shift = to_wgs84(np.array([x, x]), np.array([y, y + 3_000.0]), shanghai.crs)
    lat[40:] += shift[1] - shift[0]  # 3 km north in 3 s: a new stretch
    return raw_track(lon, lat, np.arange(len(lon)) * 3.0)


def feed_in_batches(graph, track: Track, size: int, **lag) -> list[FinalFix]:
    """Feed the track *size* fixes at a time, the state through JSON in between (as the database keeps it)."""
    found: list[FinalFix] = []
    state = None
    for first in range(0, len(track), size):
        part = slice(first, first + size)
        matcher = FixedLagMatcher(graph, PARAMS, state, **lag)
        found += matcher.feed(track.time_ns[part], track.lon[part], track.lat[part],
                              data=list(range(first, min(first + size, len(track)))))
        state = json.loads(json.dumps(matcher.state(), allow_nan=False))
    return found + FixedLagMatcher(graph, PARAMS, state, **lag).flush()


def demo_track() -> Track:
    return read_track(REPO / "geodata" / "demo_track_detour.csv")


@pytest.mark.parametrize("size", [1, 3, 7])
@pytest.mark.parametrize("which", ["demo", "awkward"])
def test_batches_match_as_the_whole_track(shanghai, graph, size, which):
    track = demo_track() if which == "demo" else awkward_track(shanghai)
    whole = match_track(graph, track, PARAMS)
    found = feed_in_batches(graph, track, size, lag_fixes=10_000, lag_s=1e9)
    assert [f.data for f in found] == list(range(len(track)))  # every fix once, in order
    assert [f.edge for f in found] == whole.edge.tolist()
    assert [f.status for f in found] == whole.status.tolist()
    assert [f.stretch for f in found] == whole.stretch.tolist()
    assert np.allclose([f.offset_m for f in found], whole.offset_m, equal_nan=True)
    if which == "awkward":
        assert {"stale", "outlier", "off_network"} <= set(whole.status) and whole.stretch.max() >= 1


@pytest.mark.parametrize("size", [1, 3, 7])
def test_within_the_lag_the_answer_does_not_depend_on_the_batches(graph, size):
    track = demo_track()
    whole = match_track(graph, track, PARAMS)
    found = feed_in_batches(graph, track, size, lag_fixes=8, lag_s=60.0)
    assert [f.edge for f in found] == [f.edge for f in feed_in_batches(graph, track, 1, lag_fixes=8, lag_s=60.0)]
    agree = np.mean(np.array([f.edge for f in found]) == whole.edge)
    assert agree >= 0.95, agree


def test_a_fix_is_final_within_the_lag(graph):
    track = demo_track()
    matcher = FixedLagMatcher(graph, PARAMS, lag_fixes=5, lag_s=1e9)
    reported = 0
    for i in range(len(track)):
        reported += len(matcher.feed(track.time_ns[i:i + 1], track.lon[i:i + 1], track.lat[i:i + 1]))
        assert i + 1 - reported <= 5  # at most the lag is pending
        assert len(matcher.state()["pending"]) == i + 1 - reported
    assert reported + len(matcher.flush()) == len(track)


def test_state_of_another_network_and_bad_parameters_are_refused(graph):
    state = FixedLagMatcher(graph, PARAMS).state()
    with pytest.raises(RoutingInputError, match="another road network"):
        FixedLagMatcher(graph, PARAMS, {**state, "edges": state["edges"] + 1})
    with pytest.raises(RoutingInputError, match="sigma_m"):
        FixedLagMatcher(graph, MatchParameters())
    with pytest.raises(RoutingInputError, match="lag"):
        FixedLagMatcher(graph, PARAMS, lag_fixes=0)
