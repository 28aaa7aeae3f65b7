"""The judgements made for many tracks at once (an archive's trips) agree with the per-track code they spare:
a track judged quiet is one :func:`find_episodes` finds nothing on, a track taken as given is what ``_finish``
keeps, and the grouped speeds are :func:`fix_speeds` per track, to the digit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing.checks import (
    CheckParameters, _quiet, check_document, check_tracks, find_episodes, fix_speeds, fix_states,
    grouped_fix_speeds,
)
from routing.tracks import Track, track_from_frame, tracks_from_frame

from tests.routing.simulate import drive
from tests.routing.test_checks import NO_STOP_AT_M


def _alone(track: Track, corridor, params: CheckParameters) -> dict:
    """The check of one track without any judgement made across tracks: the per-track reference."""
    state = fix_states(track, corridor, hysteresis_m=params.hysteresis_m, refuse_far=False)
    return check_document(track, corridor, find_episodes(track, state, params))


def _gapped(frame: pd.DataFrame, seconds: float) -> pd.DataFrame:
    """*frame* with every fix from its middle on *seconds* later (an interval of 5 s + *seconds* there)."""
    later = pd.to_datetime(frame["time"]).copy()
    later.iloc[len(later) // 2:] += pd.Timedelta(seconds=seconds)
    return frame.assign(time=later.map(lambda t: t.isoformat()))


@pytest.fixture(scope="module")
def tracks(shanghai, corridor_line) -> list[Track]:
    """Tracks of every sort: along the corridor (through its no-stop zone), stopping in that zone briefly and
    long enough, with signal gaps just under, at and over 300 s, slow for over 4 h, with reported speeds."""
    along = [drive(corridor_line, shanghai, seed=s).frame for s in (1, 2, 3)]
    frames = along + [
        drive(corridor_line, shanghai, seed=6, pause_at_m=NO_STOP_AT_M, pause_s=180).frame,
        drive(corridor_line, shanghai, seed=7, pause_at_m=NO_STOP_AT_M, pause_s=30).frame,
        _gapped(along[0], 294.999), _gapped(along[1], 295.0), _gapped(along[2], 296.0),
        drive(corridor_line, shanghai, seed=8, speed_mps=0.6, dt_s=30.0).frame,  # about 4.6 h
        along[0].assign(speed=np.where(np.arange(len(along[0])) % 7 == 0, 3.0, np.nan)),
    ]
    return [track_from_frame(f) for f in frames]


def test_quiet_tracks_are_those_find_episodes_finds_nothing_on(tracks, demo_corridor):
    params = CheckParameters()
    together = check_tracks(tracks, demo_corridor, params)
    alone = [_alone(t, demo_corridor, params) for t in tracks]
    assert together == alone
    joined_time = np.concatenate([t.time_ns for t in tracks])
    bounds = np.cumsum([0] + [len(t) for t in tracks])
    joined = Track(lon=np.concatenate([t.lon for t in tracks]), lat=np.concatenate([t.lat for t in tracks]),
                   time_ns=joined_time, speed_kph=None, points=int(bounds[-1]))
    state = fix_states(joined, demo_corridor, refuse_far=False)
    quiet = _quiet(tracks, state, joined_time, bounds, params)
    assert quiet.any() and not quiet.all(), "both paths are taken"
    assert all(not a["episodes"] for a, q in zip(alone, quiet) if q)
    # Along the corridor: quiet; any stop in the no-stop zone, an interval of 300 s (no gap, but within the
    # margin), over 4 h, or a reported crawl: looked at alone.
    assert [bool(q) for q in quiet] == [True, True, True, False, False, True, False, False, False, False]


def test_grouped_speeds_are_each_tracks_speeds(tracks, demo_corridor):
    starts = np.cumsum([0] + [len(t) for t in tracks[:-1]])
    states = [fix_states(t, demo_corridor) for t in tracks]
    speeds = np.concatenate([np.full(len(t), np.nan) if t.speed_kph is None else t.speed_kph for t in tracks])
    x, y = np.concatenate([s.x for s in states]), np.concatenate([s.y for s in states])
    time_s = np.concatenate([s.time_s for s in states])
    grouped = grouped_fix_speeds(x, y, time_s, speeds, starts)
    alone = np.concatenate([fix_speeds(s.x, s.y, s.time_s, t.speed_kph) for s, t in zip(states, tracks)])
    assert np.array_equal(grouped, alone)
    at = np.arange(0, len(alone), 7)
    assert np.array_equal(grouped_fix_speeds(x, y, time_s, speeds, starts, at), alone[at])


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    time = pd.Timestamp("2026-01-01T08:00:00Z") + pd.to_timedelta(np.arange(n) * 5.0, unit="s")
    return pd.DataFrame({"time": time, "lon": 121.4 + np.cumsum(rng.uniform(1e-5, 1e-4, n)),
                         "lat": 31.2 + rng.normal(0, 1e-5, n), "speed": rng.uniform(0, 60, n)})


def test_tracks_taken_as_given_are_what_finish_keeps():
    """Clean tracks skip the per-track sorting and filtering; every other kind goes through it as before."""
    clean = _frame(50, 1)
    shuffled = _frame(50, 2).sample(frac=1.0, random_state=1)
    repeated = _frame(50, 3)
    repeated.loc[10:12, ["lon", "lat"]] = repeated.loc[9, ["lon", "lat"]].to_numpy()
    duplicated = _frame(50, 4)
    duplicated.loc[20, "time"] = duplicated.loc[19, "time"]
    jumping = _frame(50, 5)
    jumping.loc[30, "lon"] += 0.05
    invalid = _frame(50, 6)
    invalid.loc[5, "lat"] = np.nan
    fast_in_lon = _frame(50, 7)  # 2.2e-3° of longitude in 5 s: over 250 km/h at the equator, under it at 31°
    fast_in_lon.loc[40:, "lon"] += 1.9e-3
    frames = [clean, shuffled, repeated, duplicated, jumping, invalid, fast_in_lon, _frame(1, 8)]
    joined = pd.concat(frames, ignore_index=True)
    group = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
    together = tracks_from_frame(joined, group, len(frames))
    offset = 0
    for frame, track in zip(frames, together):
        alone = track_from_frame(frame.reset_index(drop=True), min_valid=0, require_majority=False)
        for name in ("lon", "lat", "time_ns", "speed_kph"):
            assert np.array_equal(getattr(track, name), getattr(alone, name), equal_nan=True), name
        assert track.points == alone.points
        assert [{**d, "rows": [r - offset for r in d["rows"]]} for d in track.dropped] == alone.dropped
        offset += len(frame)
