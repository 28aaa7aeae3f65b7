import numpy as np
import pandas as pd
import pytest

from routing.checks import CheckParameters, check_track
from routing.corridors import load_corridor
from routing.fatigue import MAX_DRIVING_S, DrivingSpell, driving_intervals, fatigue_scan
from routing.tracks import track_from_frame

T0 = pd.Timestamp("2026-01-01T06:00:00Z")
MIN = 60


def schedule(*legs, dt=60):
    """Fix times (UTC ns) and per-interval driving for legs of ("drive" | "rest", minutes), one fix per *dt* s."""
    driving = np.concatenate([np.full(minutes * MIN // dt, kind == "drive") for kind, minutes in legs])
    time_ns = T0.value + np.arange(len(driving) + 1, dtype=np.int64) * dt * 1_000_000_000
    return time_ns, driving


def at(minutes):
    return T0.value + int(minutes * MIN * 1e9)


def test_4_h_10_min_of_driving_without_a_rest_is_one_episode():
    time_ns, driving = schedule(("drive", 250))
    [episode], spell = fatigue_scan(time_ns, driving)
    assert episode.start_ns == at(241) and episode.end_ns == at(250)  # the first fix past 4 h, to the last
    assert episode.driving_since_ns == at(0) and episode.driving_s == 250 * MIN and not episode.rested
    assert spell.over_ns == at(241) and spell.driven_s == 250 * MIN


def test_3_h_50_min_of_driving_is_no_episode():
    assert fatigue_scan(*schedule(("drive", 230)))[0] == []


def test_a_20_min_rest_starts_a_new_spell():
    assert fatigue_scan(*schedule(("drive", 120), ("rest", 20), ("drive", 150)))[0] == []


def test_short_stops_neither_rest_nor_count_as_driving():
    time_ns, driving = schedule(("drive", 120), ("rest", 19), ("drive", 100), ("rest", 10), ("drive", 30))
    [episode], _ = fatigue_scan(time_ns, driving)
    assert episode.start_ns == at(120 + 19 + 100 + 10 + 21)  # 4 h of driving reached after 29 min of stops
    assert episode.driving_since_ns == at(0)


def test_the_episode_ends_where_the_rest_begins():
    time_ns, driving = schedule(("drive", 250), ("rest", 30), ("drive", 60))
    [episode], spell = fatigue_scan(time_ns, driving)
    assert episode.end_ns == at(250) and episode.rested and episode.driving_s == 250 * MIN
    assert spell.driven_s == 60 * MIN and spell.since_ns == at(280) and spell.over_ns is None


@pytest.mark.parametrize("batch", [1, 7, 45, 100])
def test_batches_give_the_same_episodes_as_the_whole_track(batch):
    time_ns, driving = schedule(("drive", 200), ("rest", 15), ("drive", 70), ("rest", 25), ("drive", 260),
                                ("rest", 12), ("drive", 30))
    whole, _ = fatigue_scan(time_ns, driving)
    carry, found = None, []
    for first in range(0, len(time_ns) - 1, batch):  # each batch starts at the previous batch's last fix
        last = min(first + batch, len(time_ns) - 1)
        episodes, carry = fatigue_scan(time_ns[first:last + 1], driving[first:last], carry)
        for episode in episodes:
            if found and episode.first == -1:
                found[-1] = episode  # the same episode, grown
            else:
                found.append(episode)
    assert [(e.start_ns, e.end_ns, e.driving_since_ns, e.driving_s, e.rested) for e in whole] == \
        [(e.start_ns, e.end_ns, e.driving_since_ns, e.driving_s, e.rested) for e in found]
    assert len(whole) == 2  # 200 + 70 min across a short stop, then 260 min


def test_a_rest_spanning_batches_ends_the_episode_where_it_began():
    time_ns, driving = schedule(("drive", 250), ("rest", 30))
    _, carry = fatigue_scan(time_ns[:256], driving[:255])  # 5 min into the rest: not yet one
    assert carry.over_ns == at(241) and carry.still_since_ns == at(250)
    [episode], carry = fatigue_scan(time_ns[255:], driving[255:], carry)
    assert episode.first == -1 and episode.rested and episode.end_ns == at(250) and carry.driven_s == 0


def test_spell_round_trips_through_json():
    spell = DrivingSpell(driven_s=12.5, since_ns=1, still_since_ns=None, over_ns=3)
    assert DrivingSpell.from_json(spell.to_json()) == spell and DrivingSpell.from_json(None) is None


def test_driving_is_moving_and_a_gap_is_judged_by_the_distance_covered():
    time_s = np.array([0.0, 10, 20, 1220, 1230, 2430])
    x = np.array([0.0, 100, 200, 210, 310, 30310])  # parked 20 min (10 m), then 30 km in 20 min
    kph = np.array([36.0, 36, 1, 36, 36, 36])  # moving at both fixes: the first interval only
    assert driving_intervals(time_s, x, np.zeros(6), kph, max_gap_s=300).tolist() == [True, False, False, True, True]


def drive_frame(legs, dt=30):
    """A track driving east at 36 km/h and standing still, per leg of ("drive" | "rest", minutes)."""
    time_ns, driving = schedule(*legs, dt=dt)
    x_m = np.concatenate(([0.0], np.cumsum(driving * 10.0 * dt)))
    return pd.DataFrame({"time": time_ns / 1e9, "lon": 121.0 + x_m / 95_000, "lat": np.full(len(time_ns), 31.2)})


def corridor_along(frame):
    line = {"type": "LineString", "coordinates": frame[["lon", "lat"]].to_numpy()[::10].tolist()
            + [[frame.lon.iloc[-1], 31.2]]}
    return load_corridor({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": line, "properties": {"name": "G15", "width_m": 200}}]})


@pytest.mark.parametrize("legs, expected", [
    ([("drive", 250)], 1),
    ([("drive", 230)], 0),
    ([("drive", 120), ("rest", 20), ("drive", 150)], 0),
])
def test_route_check_reports_fatigue_driving(legs, expected):
    frame = drive_frame(legs)
    result = check_track(track_from_frame(frame), corridor_along(frame), CheckParameters())
    fatigue = [e for e in result["episodes"] if e["kind"] == "fatigue_driving"]
    assert len(fatigue) == expected and result["compliant"] == (expected == 0)
    if expected:
        assert fatigue[0]["driving_since"] == T0.isoformat() and fatigue[0]["driving_s"] >= 4 * 3600
        assert fatigue[0]["max_offset_m"] == 0


def test_a_batch_all_driving_gives_what_the_full_scan_gives(monkeypatch):
    """The shortcut for fixes that were all driving (no standstill, no episode within reach) against the full
    scan, on random batches and carried spells, some of them crossing the 4 h."""
    from routing import fatigue

    rng = np.random.default_rng(808)
    cases = []
    for _ in range(500):
        n = int(rng.integers(1, 30))
        time_ns = np.cumsum(rng.integers(1, 3000, n)).astype(np.int64) * 10**9
        carry = None if rng.random() < 0.2 else DrivingSpell(
            driven_s=float(rng.uniform(0, MAX_DRIVING_S + 100)),
            since_ns=None if rng.random() < 0.3 else int(time_ns[0]) - 10**9,
            still_since_ns=None if rng.random() < 0.7 else int(time_ns[0]) - 5 * 10**9)
        cases.append((time_ns, np.ones(n - 1, dtype=bool), carry))
    quick = [fatigue_scan(*case) for case in cases]
    monkeypatch.setattr(fatigue, "_kept_driving", lambda *args: None)
    assert quick == [fatigue_scan(*case) for case in cases]
