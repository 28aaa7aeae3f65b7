"""Track checks on simulated drives over the real Shanghai roads of the demo corridor."""
import numpy as np
import pandas as pd
import pytest
import shapely

from routing._errors import RoutingInputError
from routing.checks import CheckParameters, check_track, check_tracks, fix_states
from routing.corridors import load_corridor
from routing.projection import to_wgs84, wgs84_to_gcj02
from routing.tracks import track_from_frame

from tests.paths import DEMO_CORRIDOR
from tests.routing.simulate import detour_line, detour_nodes, drive

NO_STOP_AT_M = 5000.0  # where the demo no-stop zone sits along the corridor


@pytest.fixture(scope="module")
def detour(shanghai, corridor_line):
    # Leave 重庆南路 for the parallel 马当路 (250–450 m east) and come back.
    a, b, c = detour_nodes(shanghai, corridor_line, along=(3200, 3450), away=(250, 450))
    return detour_line(shanghai, corridor_line, a, b, c)


def kinds(result):
    return [(e["kind"], e.get("rule")) for e in result["episodes"]]


def true_runs(mask):
    edges = np.diff(np.concatenate(([0], mask.astype(int), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_noisy_drive_along_the_corridor_is_compliant(shanghai, demo_corridor, corridor_line, seed):
    sim = drive(corridor_line, shanghai, noise_m=10.0, seed=seed)
    result = check_track(track_from_frame(sim.frame), demo_corridor)
    assert result["compliant"] and result["episodes"] == []
    assert result["points"] == result["valid_points"] == len(sim.frame)


def test_outliers_never_raise_an_alarm(shanghai, demo_corridor, corridor_line):
    sim = drive(corridor_line, shanghai, seed=4)
    frame = sim.frame.copy()
    spikes = np.arange(15, len(frame) - 5, 17)
    # 150 m off, sideways (the direction farthest from the corridor), and slow enough (30 m/s over 5 s)
    # to survive the jump filter.
    angles = np.radians(np.arange(0, 360, 30))
    cand_x = sim.true_x[spikes, None] + 150 * np.cos(angles)
    cand_y = sim.true_y[spikes, None] + 150 * np.sin(angles)
    best = np.argmax(shapely.distance(demo_corridor.area(), shapely.points(cand_x, cand_y)), axis=1)
    rows = np.arange(len(spikes))
    lon, lat = to_wgs84(cand_x[rows, best], cand_y[rows, best], shanghai.crs)
    frame.loc[spikes, "lon"], frame.loc[spikes, "lat"] = lon, lat
    frame.loc[40, "lat"] += 0.03  # one 3 km glitch: an impossible jump, dropped and reported
    track = track_from_frame(frame)
    state = fix_states(track, demo_corridor)
    assert state.outside.sum() >= len(spikes)  # the outliers are out of the corridor...
    result = check_track(track, demo_corridor)
    assert result["compliant"], result["episodes"]  # ...but never persist
    assert result["dropped"] == [{"reason": "impossible jump (over 250 km/h)", "count": 1, "rows": [41]}]


def test_signal_gap_is_an_episode(shanghai, demo_corridor, corridor_line):
    frame = drive(corridor_line, shanghai, seed=5).frame
    gone = frame.index[(frame.index >= 60) & (frame.index < 140)]  # 80 fixes: a 405 s hole
    result = check_track(track_from_frame(frame.drop(gone)), demo_corridor)
    assert kinds(result) == [("signal_gap", None)]
    gap = result["episodes"][0]
    assert gap["duration_s"] == 405.0 and (gap["first_index"], gap["last_index"]) == (59, 60)
    assert gap["start"] == "2026-01-01T08:04:55+00:00" and gap["end"] == "2026-01-01T08:11:40+00:00"
    short = frame.drop(frame.index[60:90])  # 155 s
    assert check_track(track_from_frame(short), demo_corridor)["compliant"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_detour_over_parallel_streets_gives_exactly_the_expected_episodes(
        shanghai, demo_corridor, detour, seed):
    sim = drive(detour, shanghai, seed=seed)
    result = check_track(track_from_frame(sim.frame), demo_corridor)
    assert kinds(result) == [("deviation", None), ("forbidden_zone", "no_entry")]
    truth_points = shapely.points(sim.true_x, sim.true_y)
    (out_first, out_last), = true_runs(~shapely.contains(demo_corridor.area(), truth_points))
    deviation, zone = result["episodes"]
    assert abs(deviation["first_index"] - out_first) <= 1 and abs(deviation["last_index"] - out_last) <= 1
    true_offset = shapely.distance(demo_corridor.area(), truth_points).max()
    assert deviation["max_offset_m"] == pytest.approx(true_offset, abs=30)
    assert deviation["length_m"] > 2 * true_offset  # out to the parallel street and back
    fixes = deviation["last_index"] - deviation["first_index"]
    assert deviation["duration_s"] == pytest.approx(5.0 * fixes)
    (zone_geom,) = [f.geometry for f in demo_corridor.parts(forbidden=True) if f.rule == "no_entry"]
    (in_first, in_last), = true_runs(shapely.contains(zone_geom, truth_points))
    assert abs(zone["first_index"] - in_first) <= 1 and abs(zone["last_index"] - in_last) <= 1
    assert deviation["first_index"] < zone["first_index"] <= zone["last_index"] < deviation["last_index"]
    assert not result["compliant"]


def test_stop_in_a_no_stop_zone(shanghai, demo_corridor, corridor_line):
    passing = drive(corridor_line, shanghai, seed=6)
    assert check_track(track_from_frame(passing.frame), demo_corridor)["compliant"]
    stopping = drive(corridor_line, shanghai, seed=6, pause_at_m=NO_STOP_AT_M, pause_s=180)
    result = check_track(track_from_frame(stopping.frame), demo_corridor)
    assert kinds(result) == [("forbidden_zone", "no_stop")]
    assert 150 <= result["episodes"][0]["duration_s"] <= 200
    # A short stop (30 s) is under --min-seconds.
    brief = drive(corridor_line, shanghai, seed=6, pause_at_m=NO_STOP_AT_M, pause_s=30)
    assert check_track(track_from_frame(brief.frame), demo_corridor)["compliant"]


def test_zone_outside_its_time_window_is_not_enforced(shanghai, detour):
    data = load_corridor(DEMO_CORRIDOR, crs=shanghai.crs)
    for feature in data.features:
        if feature.forbidden:  # enforce the zones only 22:00–06:00 Shanghai time; the drive is at 16:00
            feature.windows = type(feature.windows)(((22 * 3600, 6 * 3600),), "Asia/Shanghai")
    result = check_track(track_from_frame(drive(detour, shanghai, seed=1).frame), data)
    assert kinds(result) == [("deviation", None)]


def test_gcj02_track_needs_the_flag(shanghai, demo_corridor, corridor_line):
    frame = drive(corridor_line, shanghai, seed=8).frame
    g_lon, g_lat = wgs84_to_gcj02(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    shifted = frame.assign(lon=g_lon, lat=g_lat)
    assert not check_track(track_from_frame(shifted), demo_corridor)["compliant"]
    assert check_track(track_from_frame(shifted, gcj02=True), demo_corridor)["compliant"]


def test_track_in_another_hemisphere_is_refused(shanghai, demo_corridor, corridor_line):
    frame = drive(corridor_line, shanghai).frame
    with pytest.raises(RoutingInputError, match="another hemisphere"):
        check_track(track_from_frame(frame.assign(lat=-frame["lat"])), demo_corridor)
    with pytest.raises(RoutingInputError, match="swapped lon/lat"):
        check_track(track_from_frame(frame.assign(lon=frame["lat"], lat=frame["lon"] - 90)), demo_corridor)


def test_offsets_are_zero_inside_and_positive_outside(shanghai, demo_corridor, detour):
    state = fix_states(track_from_frame(drive(detour, shanghai).frame), demo_corridor)
    assert (state.offset_m[~state.outside] == 0).all() and (state.offset_m[state.outside] > 0).all()
    assert (state.inside_inner <= ~state.outside).all()  # the shrunk corridor lies inside the corridor


def test_cargo_classes_select_corridor_parts(shanghai, demo_corridor, corridor_line):
    track = track_from_frame(drive(corridor_line, shanghai).frame)
    assert check_track(track, demo_corridor, hazard_classes={"3"})["compliant"]
    with pytest.raises(RoutingInputError, match="approved for the cargo"):
        check_track(track, demo_corridor, hazard_classes={"1"})


@pytest.mark.parametrize("params", [CheckParameters(min_points=0), CheckParameters(min_points=2.5),
                                    CheckParameters(max_gap_s=0), CheckParameters(min_seconds=-1)])
def test_bad_parameters(params):
    with pytest.raises(RoutingInputError):
        params.validated()


def test_result_shape(shanghai, demo_corridor, detour):
    result = check_track(track_from_frame(drive(detour, shanghai).frame), demo_corridor)
    assert {"compliant", "points", "valid_points", "episodes"} <= set(result)
    contract = {"kind", "start", "end", "duration_s", "max_offset_m", "length_m", "first_index", "last_index"}
    for episode in result["episodes"]:
        assert contract <= set(episode)
        assert episode["start"].endswith("+00:00")
        assert pd.Timestamp(episode["end"]) >= pd.Timestamp(episode["start"])


def test_check_fixes_matches_the_file_path(shanghai, detour):
    import json

    from routing.checks import check_fixes
    from routing.corridors import load_corridor as load

    frame = drive(detour, shanghai, seed=2).frame
    data = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    from_memory = check_fixes(data, frame.to_dict("records"))
    from_objects = check_track(track_from_frame(frame), load(DEMO_CORRIDOR))
    assert from_memory == from_objects and not from_memory["compliant"]


def test_tracks_checked_together_give_each_its_result_alone(shanghai, demo_corridor, corridor_line, detour):
    """check_tracks (the per-fix stage once over many tracks) is check_track per track: the same episodes, to the
    digit, and a far track refused alone while the others are checked."""
    tracks = [track_from_frame(drive(detour, shanghai, seed=seed).frame) for seed in (1, 2)]
    tracks.append(track_from_frame(drive(corridor_line, shanghai, seed=3).frame))
    far = drive(corridor_line, shanghai, seed=4).frame
    tracks.insert(1, track_from_frame(far.assign(lat=-far["lat"])))
    together = check_tracks(tracks, demo_corridor)
    assert isinstance(together[1], RoutingInputError) and "another hemisphere" in str(together[1])
    for n in (0, 2, 3):
        assert together[n] == check_track(tracks[n], demo_corridor)
    assert [kinds(r) for r in (together[0], together[2])] == [[("deviation", None), ("forbidden_zone", "no_entry")]] * 2
    assert together[3]["compliant"] and check_tracks([], demo_corridor) == []


def test_speeds_of_tracks_end_to_end_are_each_track_alone():
    """grouped_fix_speeds (the live checks' batch of many trips) against fix_speeds on each track: its own
    window from its own median interval, reported speeds kept, tracks of one and two fixes among them."""
    from routing.checks import fix_speeds, grouped_fix_speeds

    rng = np.random.default_rng(21)
    tracks = []
    for length in (1, 2, 3, 7, 40, 1, 100, 5):
        time_s = np.cumsum(rng.uniform(0.5, 20, length))
        speed = np.where(rng.random(length) < 0.5, np.nan, rng.uniform(0, 90, length))
        tracks.append((rng.normal(size=length) * 100, rng.normal(size=length) * 100, time_s, speed))
    starts = np.cumsum([0] + [len(t[0]) for t in tracks[:-1]])
    together = grouped_fix_speeds(*(np.concatenate([t[i] for t in tracks]) for i in range(4)), starts)
    assert np.array_equal(together, np.concatenate([fix_speeds(*t) for t in tracks]))
