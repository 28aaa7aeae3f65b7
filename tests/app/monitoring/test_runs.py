"""Runs continued batch by batch find exactly the episodes the routing engine finds in the whole track."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.services.monitoring.runs import Fixes, Run, advance, latched, nanoseconds, stamp
from routing.checks import CheckParameters, find_episodes, fix_states
from routing.corridors import load_corridor
from routing.episodes import bridge_short_gaps, runs
from routing.tracks import Track, read_track
from tests.paths import DEMO_CORRIDOR

DETOUR = DEMO_CORRIDOR.with_name("demo_track_detour.csv")


def _splits(n: int, seed: int) -> list[slice]:
    """Random batch boundaries over n fixes (seed 0: one fix per batch)."""
    if seed == 0:
        cuts = np.arange(1, n)
    else:
        rng = np.random.default_rng(seed)
        cuts = np.sort(rng.choice(np.arange(1, n), size=rng.integers(1, n // 4), replace=False))
    bounds = [0, *cuts.tolist(), n]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def _episodes_in_batches(track: Track, batches: list[slice], params: CheckParameters) -> list[dict]:
    corridor = load_corridor(DEMO_CORRIDOR)
    whole = fix_states(track, corridor)
    step = np.concatenate(([0.0], np.hypot(np.diff(whole.x), np.diff(whole.y))))
    open_runs: dict[str, Run | None] = {}
    found = []
    for part in batches:
        sub = Track(lon=track.lon[part], lat=track.lat[part], time_ns=track.time_ns[part], speed_kph=None,
                    points=part.stop - part.start)
        state = fix_states(sub, corridor, refuse_far=False)
        fixes = Fixes(time_ns=sub.time_ns, lon=sub.lon, lat=sub.lat, step_m=step[part])
        checks = {"deviation": (latched(open_runs.get("deviation"), state.outside, state.inside_inner),
                                params.min_seconds, state.offset_m)}
        for zone, inside in state.zones:
            checks[zone.name] = (inside, 0.0 if zone.rule == "no_entry" else params.min_seconds, None)
        for name, (condition, min_seconds, measure) in checks.items():
            ended, open_runs[name] = advance(open_runs.get(name), condition, fixes, release=params.min_points,
                                             measure=measure)
            found += [(name, run) for run in ended if run.lasted(params.min_points, min_seconds)]
    found += [(name, run) for name, run in open_runs.items()
              if run is not None and run.lasted(params.min_points, 0.0)]
    return sorted(({"kind": "deviation" if name == "deviation" else "forbidden_zone",
                    "start": stamp(run.start_ns).isoformat(), "end": stamp(run.end_ns).isoformat(),
                    "duration_s": round(run.duration_s, 3), "length_m": round(run.length_m, 1),
                    "points": run.points, **({"max_offset_m": round(run.peak, 1)} if name == "deviation" else {})}
                   for name, run in found), key=lambda e: (e["start"], e["kind"]))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_the_demo_detour_gives_the_same_episodes_however_it_is_uploaded(seed):
    track = read_track(DETOUR)
    params = CheckParameters()
    expected = [{key: e[key] for key in ("kind", "start", "end", "duration_s", "length_m")}
                | {"points": e["last_index"] - e["first_index"] + 1}
                | ({"max_offset_m": e["max_offset_m"]} if e["kind"] == "deviation" else {})
                for e in find_episodes(track, fix_states(track, load_corridor(DEMO_CORRIDOR)), params)]
    assert [e["kind"] for e in expected] == ["deviation", "forbidden_zone"]
    assert _episodes_in_batches(track, _splits(len(track), seed), params) == expected


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("release", [1, 3])
def test_runs_continued_over_any_split_are_the_runs_of_the_whole(seed, release):
    rng = np.random.default_rng(seed)
    n = 200
    mask = rng.random(n) < rng.uniform(0.2, 0.8)
    time_ns = np.arange(n, dtype=np.int64) * 10**10
    fixes = Fixes(time_ns=time_ns, lon=np.zeros(n), lat=np.zeros(n), step_m=np.ones(n))
    starts, ends = runs(bridge_short_gaps(mask, release))
    got, run = [], None
    for part in _splits(n, seed):
        sub = Fixes(time_ns=time_ns[part], lon=fixes.lon[part], lat=fixes.lat[part], step_m=fixes.step_m[part])
        ended, run = advance(run, mask[part], sub, release=release)
        got += ended
    got += [run] if run else []
    assert [(r.start_ns // 10**10, r.end_ns // 10**10 + 1, r.points) for r in got] == [
        (s, e, e - s) for s, e in zip(starts.tolist(), ends.tolist())]
    assert [r.length_m for r in got] == [float(e - 1 - s) for s, e in zip(starts.tolist(), ends.tolist())]


def test_an_open_run_keeps_its_trailing_fixes_until_they_are_enough_to_end_it():
    fixes = Fixes(time_ns=np.array([0, 10, 20], dtype=np.int64) * 10**9, lon=np.zeros(3), lat=np.zeros(3),
                  step_m=np.full(3, 5.0))
    ended, run = advance(None, np.array([True, True, False]), fixes, release=3)
    assert ended == [] and (run.points, run.trailing, run.tail_m) == (2, 1, 5.0)
    later = Fixes(time_ns=fixes.time_ns + 30 * 10**9, lon=np.zeros(3), lat=np.zeros(3), step_m=np.full(3, 5.0))
    ended, run = advance(run, np.array([False, True, False]), later, release=3)
    assert ended == [] and (run.points, run.length_m, run.trailing) == (5, 20.0, 1)  # the gap of 2 is bridged
    ended, run = advance(run, np.zeros(3, dtype=bool), later, release=3)
    assert run is None and [r.points for r in ended] == [5]


def test_times_are_kept_to_the_microsecond():
    ns = pd.Timestamp("2026-11-29T08:00:00.123456Z").value
    assert nanoseconds(stamp(ns)) == ns and stamp(ns).isoformat() == "2026-11-29T08:00:00.123456+00:00"
