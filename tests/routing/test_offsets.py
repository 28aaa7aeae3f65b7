"""An episode's largest distance off the corridor found by measuring only the fixes that may hold it
(:class:`routing.offsets.Offsets`, what ``route check`` of one track does) is the value measuring every fix gives, to
the bit; the bounds it relies on hold."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import routing.checks as checks
from bench.bench_track_check import generate
from routing.checks import CheckParameters, check_track, find_episodes, fix_states
from routing.corridors import load_corridor
from routing.distances import BoundaryDistance
from routing.tracks import Track
from tests.paths import REPO
from tests.routing.test_distances import BUFFERED_LINE, MULTI_PART, WITH_HOLES, sample

DEMO = json.loads((REPO / "geodata" / "demo_corridor_shanghai.geojson").read_text(encoding="utf-8"))


def _track(share: float, n: int = 8_000, seed: int = 1) -> Track:
    """The benchmark's drive back and forth along the demo corridor, *share* of it on detours 300 m off."""
    frame = generate(load_corridor(DEMO), n, share, seed=seed)
    return Track(lon=frame["lon"].to_numpy(), lat=frame["lat"].to_numpy(),
                 time_ns=frame["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64), speed_kph=None, points=n)


@pytest.mark.parametrize("area", [BUFFERED_LINE, WITH_HOLES, MULTI_PART], ids=["buffered-line", "holes", "multi-part"])
@pytest.mark.parametrize("cell_m", [1.0, 10.0, 250.0])
def test_the_bounds_hold_every_distance(area, cell_m):
    rng = np.random.default_rng(11)
    xy = sample(area, rng)
    boundary = BoundaryDistance(area, cell_m)
    distance = boundary.distance(xy[:, 0], xy[:, 1])
    lower, upper = boundary.bounds(xy[:, 0], xy[:, 1])
    assert (lower <= distance).all() and (distance <= upper).all()
    near = np.abs(xy).max(axis=1) < 1e4
    assert (upper[near] - lower[near] <= cell_m * np.sqrt(2) + 1e-5 * (1 + upper[near])).all()  # not 0 and inf
    far = np.array([[3e8, 0.0]])  # beyond where cells are made: no bound but the trivial ones
    assert [b.tolist() for b in boundary.bounds(far[:, 0], far[:, 1])] == [[0.0], [np.inf]]


def _states(track: Track, corridor_document: dict) -> tuple[checks.FixState, checks.FixState, list]:
    """The fix states of *track* with every distance measured, and with them measured when asked (with the
    indices of the fixes measured)."""
    eager = fix_states(track, load_corridor(corridor_document))
    lazy = fix_states(track, load_corridor(corridor_document), measure_offsets=False)
    measured = []
    measure = lazy.offsets._measure
    lazy.offsets._measure = lambda index: measured.append(index) or measure(index)
    return eager, lazy, measured


@pytest.mark.parametrize("share", [0.0, 0.2, 1.0])
def test_the_largest_offset_of_any_range_is_that_of_every_fix_measured(share):
    track = _track(share)
    eager, lazy, measured = _states(track, DEMO)
    rng = np.random.default_rng(5)
    n = len(track)
    starts = np.concatenate((rng.integers(0, n, 300), [0, n - 1, n - 2, 0]))
    ends = np.concatenate((np.minimum(starts[:300] + rng.integers(1, 3000, 300), n), [n, n, n - 1, 1]))
    expected = np.maximum.reduceat(np.append(eager.offset_m, 0.0), np.column_stack((starts, ends)).ravel())[0::2]
    assert np.array_equal(lazy.offsets.range_max(starts, ends), expected)  # overlapping ranges too
    if share:
        assert expected.max() > 250 and 0 < sum(map(len, measured)) < eager.outside.sum() / 4
    assert np.array_equal(lazy.offset_m, eager.offset_m)  # every fix, when asked
    assert np.array_equal(lazy.offsets.range_max(starts, ends), expected)


@pytest.mark.parametrize("share", [0.2, 1.0])
def test_long_ranges_one_after_another_as_every_fix_measured(share):
    """A rule's runs (sorted, disjoint) covering much of the track: their thresholds compared fix by fix."""
    track = _track(share)
    eager, lazy, measured = _states(track, DEMO)
    n = len(track)
    cuts = np.sort(np.random.default_rng(8).choice(np.arange(1, n), 40, replace=False))
    starts, ends = cuts[0::2], cuts[1::2]  # gaps between them, the last ending before the track does
    for first, last in ((starts, ends), (np.append(starts, n - 5), np.append(ends, n)), (np.array([0]), [n])):
        expected = np.maximum.reduceat(np.append(eager.offset_m, 0.0), np.column_stack((first, last)).ravel())[0::2]
        assert np.array_equal(lazy.offsets.range_max(first, last), expected)
    assert 0 < sum(map(len, measured)) < eager.outside.sum() / 4


def test_a_track_of_joined_tracks_takes_its_own_fixes():
    track = _track(0.5)
    eager, lazy, _ = _states(track, DEMO)
    part = lazy.offsets.part(3000, 7000)
    starts, ends = np.array([0, 100, 3990]), np.array([4000, 2500, 4000])
    own = np.append(eager.offset_m[3000:7000], 0.0)
    assert np.array_equal(part.range_max(starts, ends),
                          np.maximum.reduceat(own, np.column_stack((starts, ends)).ravel())[0::2])
    assert np.array_equal(part.array(), eager.offset_m[3000:7000])


def test_parts_closed_at_times_measure_every_fix():
    """A fix inside a part closed at its time is out but 0 m off: no bound holds, so every fix is measured, in the
    stage, as without ``measure_offsets``."""
    document = copy.deepcopy(DEMO)
    line = next(f for f in document["features"] if f["geometry"]["type"] == "LineString")
    wide = copy.deepcopy(line)
    wide["properties"].update(name="wide at night", width_m=300, time_windows=[["20:00", "21:00"]])
    document["features"].append(wide)
    track = _track(0.5)
    eager, lazy, measured = _states(track, document)
    assert (eager.outside & (eager.offset_m == 0)).any()
    found = find_episodes(track, lazy, CheckParameters())
    assert found == find_episodes(track, eager, CheckParameters()) and any(e["max_offset_m"] for e in found)
    assert measured == [] and np.array_equal(lazy.offset_m, eager.offset_m)


@pytest.mark.parametrize("share", [0.05, 0.2, 1.0])
def test_route_check_of_one_track_measures_few_fixes_and_reports_the_same(share, monkeypatch):
    track = _track(share, n=20_000, seed=3)
    corridor = load_corridor(DEMO)
    params = CheckParameters()
    expected = find_episodes(track, fix_states(track, corridor), params)
    asked = []
    states = checks.fix_states
    monkeypatch.setattr(checks, "fix_states", lambda *args, **kwargs: asked.append(kwargs) or states(*args, **kwargs))
    assert check_track(track, corridor, params)["episodes"] == expected
    assert asked[0]["measure_offsets"] is False
    assert any(e["kind"] == "deviation" and e["max_offset_m"] > 250 for e in expected)
