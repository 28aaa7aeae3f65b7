"""The episodes stage of a long track, made cheap (issue 18), finds what the per-fix rule finds: the run-length
helpers against a loop over the fixes on random states (seeded; empty, all off, all on), the speeds by slices, the
episode times written at once, the fatigue intervals and the episodes found with the speeds and the fatigue scan on
a second thread, each against what it replaced."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import routing.checks as checks
from routing.checks import CheckParameters, _iso, _isos, _speeds_between, find_episodes, fix_speeds, fix_states
from routing.corridors import load_corridor
from routing.episodes import bridge_short_gaps, hysteresis, persistent_runs, runs
from routing.fatigue import DRIVING_KPH, driving_intervals

from tests.routing.test_check_chunks import CHUNK, _corridor_document, _track

SEEDS = range(8)


def _loop_deviation(outside, inner, time_s, min_points, min_seconds):
    """The deviation rule fix by fix: latch on a fix outside, release on a fix inside the shrunk corridor; runs
    apart by fewer than min_points fixes merge; a run counts when it lasts min_points fixes and min_seconds."""
    state, latched = [], False
    for out, deep in zip(outside.tolist(), inner.tolist()):
        latched = True if out else (False if deep else latched)
        state.append(latched)
    spans, start = [], None
    for i, on in enumerate(state + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append([start, i])
            start = None
    merged = []
    for span in spans:
        if merged and span[0] - merged[-1][1] < min_points:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return [(s, e) for s, e in merged if e - s >= min_points and time_s[e - 1] - time_s[s] >= min_seconds]


def _random_states(seed: int, n: int):
    rng = np.random.default_rng(seed)
    # Runs of random lengths, as detours are: a few long ones and noise of single fixes.
    outside = np.repeat(rng.random(n // 5 + 1) < 0.4, rng.integers(1, 10, n // 5 + 1))[:n]
    outside ^= rng.random(len(outside)) < 0.05
    inner = ~outside & (rng.random(len(outside)) < 0.7)
    time_s = np.cumsum(rng.choice([1.0, 1.0, 2.0, 30.0], len(outside)))
    return outside, inner, time_s


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("min_points", [1, 3, 5])
def test_the_vectorised_deviation_rule_is_the_loop_over_the_fixes(seed, min_points):
    outside, inner, time_s = _random_states(seed, 2_000)
    deviating = bridge_short_gaps(hysteresis(outside, inner), min_points)
    starts, ends = persistent_runs(deviating, time_s, min_points=min_points, min_seconds=20.0)
    assert list(zip(starts.tolist(), ends.tolist())) == _loop_deviation(outside, inner, time_s, min_points, 20.0)


@pytest.mark.parametrize("states", ["", "0", "1", "0000000", "1111111", "1010101", "0110"])
def test_the_rule_on_empty_all_off_and_all_on_tracks(states):
    outside = np.array([c == "1" for c in states], dtype=bool)
    time_s = np.arange(len(outside)) * 60.0
    deviating = bridge_short_gaps(hysteresis(outside, ~outside), 3)
    starts, ends = persistent_runs(deviating, time_s, min_points=3, min_seconds=60.0)
    assert list(zip(starts.tolist(), ends.tolist())) == _loop_deviation(outside, ~outside, time_s, 3, 60.0)
    assert [len(a) for a in runs(outside)] == [states.count("01") + states.startswith("1")] * 2


@pytest.mark.parametrize("n", [0, 1, 2, 5, 30, 31, 32, 1_000])
@pytest.mark.parametrize("reported", [False, True])
def test_speeds_by_slices_are_the_speeds_gathered_per_fix(n, reported):
    rng = np.random.default_rng(n)
    x, y = np.cumsum(rng.normal(0, 10, n)), np.cumsum(rng.normal(0, 10, n))
    time_s = np.cumsum(rng.choice([1.0, 1.0, 2.0, 5.0], n))
    speed = np.where(rng.random(n) < 0.5, rng.uniform(0, 90, n), np.nan) if reported else None
    median_dt = checks.median(np.diff(time_s)) if n > 1 else 1.0
    step = max(1, int(np.ceil(checks._STOP_BASELINE_S / 2 / max(median_dt, 1e-3))))  # fix_speeds' window
    index = np.arange(n)
    gathered = _speeds_between(x, y, time_s, np.maximum(index - step, 0), np.minimum(index + step, n - 1), speed)
    np.testing.assert_array_equal(fix_speeds(x, y, time_s, speed), gathered)


def test_episode_times_written_at_once_are_those_written_one_by_one():
    values = [0, 1, 999, 1000, 1_500_000_000, 1_767_225_600_123_456_789, 1_767_225_600_123_456_000, -1]
    values += np.random.default_rng(1).integers(946_684_800 * 10**9, 4_102_444_800 * 10**9, 2000).tolist()
    values += (np.random.default_rng(2).integers(946_684_800, 4_102_444_800, 2000) * 10**9).tolist()  # whole
    ns = np.array(values, dtype=np.int64)
    assert _isos(ns) == [_iso(v) for v in values] == [pd.Timestamp(v, tz="UTC").isoformat() for v in values]
    assert _isos(np.zeros(0, dtype=np.int64)) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_driving_intervals_measure_the_gaps_only_as_every_interval_was(seed):
    rng = np.random.default_rng(seed)
    n = 3_000
    time_s = np.cumsum(rng.choice([1.0, 1.0, 10.0, 400.0, 4_000.0], n))
    x, y = np.cumsum(rng.normal(0, 50, n)), np.cumsum(rng.normal(0, 50, n))
    kph = rng.uniform(0, 12, n)
    dt = np.diff(time_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_kph = np.hypot(np.diff(x), np.diff(y)) / dt * 3.6
    moving = kph >= DRIVING_KPH
    every = np.where(dt > 300.0, mean_kph >= DRIVING_KPH, moving[:-1] & moving[1:])
    np.testing.assert_array_equal(driving_intervals(time_s, x, y, kph, max_gap_s=300.0), every)
    assert (dt > 300.0).any()
    for size in (0, 1):
        assert driving_intervals(time_s[:size], x[:size], y[:size], kph[:size], max_gap_s=300.0).tolist() == []


def _episodes_with(threads, monkeypatch, track, state):
    monkeypatch.setattr(checks, "CHUNK_FIXES", CHUNK)
    monkeypatch.setattr(checks, "_threads", lambda: threads)
    return find_episodes(track, state, CheckParameters())


def _long_drive(seed: int):
    """The chunk test's drive on its corridor: 4.5 h (fatigue), half on a detour (deviations, zones), a gap."""
    track = _track(16_200)
    rng = np.random.default_rng(seed)
    cut = int(rng.integers(1_000, 15_000))
    track.time_ns[cut:] += 600 * 10**9  # a signal gap of ten minutes
    return track


@pytest.mark.parametrize("seed", [0, 1])
def test_episodes_found_with_a_second_thread_are_those_found_inline(seed, monkeypatch):
    track = _long_drive(seed)
    state = fix_states(track, load_corridor(_corridor_document()), refuse_far=False)
    inline = _episodes_with(1, monkeypatch, track, state)
    beside = _episodes_with(2, monkeypatch, track, state)
    assert beside == inline
    kinds = {e["kind"] for e in inline}
    assert {"deviation", "forbidden_zone", "signal_gap", "fatigue_driving"} <= kinds
    assert any(e["first_index"] // CHUNK != e["last_index"] // CHUNK for e in inline if e["kind"] == "deviation")


def test_an_error_on_the_second_thread_is_raised_by_the_stage(monkeypatch):
    track = _long_drive(0)
    state = fix_states(track, load_corridor(_corridor_document()), refuse_far=False)

    def broken(*args, **kwargs):
        raise RuntimeError("broken speeds")

    monkeypatch.setattr(checks, "fix_speeds", broken)
    with pytest.raises(RuntimeError, match="broken speeds"):
        _episodes_with(2, monkeypatch, track, state)


def test_a_track_with_a_detour_is_not_quiet_without_asking_its_speeds(monkeypatch):
    """The quiet-track test asks the speeds in a no-stop zone only of tracks still quiet: a detour (or over 4 h of
    track) decides first; a calm track in a no-stop zone is still asked."""
    track = _long_drive(0)
    state = fix_states(track, load_corridor(_corridor_document()), refuse_far=False)
    assert any(zone.rule == "no_stop" and inside.any() for zone, inside in state.zones) and state.outside.any()
    asked = []
    speeds = checks.grouped_fix_speeds
    monkeypatch.setattr(checks, "grouped_fix_speeds", lambda *args: asked.append(args[-1]) or speeds(*args))
    bounds = np.array([0, len(track)])
    assert checks._quiet([track], state, track.time_ns, bounds, CheckParameters()).tolist() == [False]
    assert asked == []
    calm = np.flatnonzero(np.logical_or.reduce([inside for zone, inside in state.zones if zone.rule == "no_stop"]))
    short = slice(0, calm[0] + 60)  # under 4 h, into the no-stop zone, nothing else
    piece = checks.Track(lon=track.lon[short], lat=track.lat[short], time_ns=track.time_ns[short], speed_kph=None,
                         points=short.stop)
    sliced = checks.FixState(x=state.x[short], y=state.y[short], time_s=state.time_s[short],
                             outside=np.zeros(short.stop, dtype=bool), inside_inner=state.inside_inner[short],
                             offsets=state.offsets.part(0, short.stop),
                             zones=[(zone, inside[short] & (zone.rule == "no_stop")) for zone, inside in state.zones])
    checks._quiet([piece], sliced, piece.time_ns, np.array([0, len(piece)]), CheckParameters())
    assert len(asked) == 1 and len(asked[0])
