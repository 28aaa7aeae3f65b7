import numpy as np
import pandas as pd
import pytest

from routing.speed_limits import limit_kph, overspeed_episodes, posted_kph

T0 = pd.Timestamp("2026-01-01T08:00:00Z")


def seconds(n, dt=5):
    return T0.value + np.arange(n, dtype=np.int64) * dt * 1_000_000_000


@pytest.mark.parametrize("value, kph", [
    ("60", 60.0), (60, 60.0), ("60 mph", 96.56064), ("30 knots", 55.56), ("50 km/h", 50.0), ("60;40", 40.0),
    (["80", "60"], 60.0), ("CN:urban", None), ("none", None), ("signals", None), ("", None), (None, None),
    (np.nan, None), ("fast", None), ("0", None),
])
def test_posted_limits_from_osm_maxspeed(value, kph):
    got = posted_kph(value)
    assert (np.isnan(got) if kph is None else got == pytest.approx(kph))


def test_limits_by_road_class_and_lower_posted_limit():
    highway = ["motorway", "motorway_link", "trunk", "primary", "residential", ["motorway", "trunk"], "primary"]
    maxspeed = [None, "100", "CN:urban", "80", "40", np.nan, "60;40"]
    assert limit_kph(highway, maxspeed).tolist() == [80, 80, 60, 60, 40, 80, 40]


def test_a_fix_without_a_road_has_no_limit_unless_one_is_posted():
    limits = limit_kph([None, np.nan, None], [None, None, "50"])
    assert np.isnan(limits[:2]).all() and limits[2] == 50
    # the checks hold a fix on no known road to the highest limit any road has; a known or posted one stands
    limits = limit_kph([None, "primary", None], [None, None, "50"], unknown_kph=80.0)
    assert limits.tolist() == [80.0, 60.0, 50.0]


def test_limits_are_vectorised_over_arrays_and_series():
    highway = pd.Series(["primary"] * 1000 + ["motorway"] * 1000)
    limits = limit_kph(highway, np.array([None] * 2000, dtype=object))
    assert limits.shape == (2000,) and set(limits.tolist()) == {60.0, 80.0}


def test_limit_inputs_must_agree_in_length():
    with pytest.raises(ValueError, match="differ in length"):
        limit_kph(["primary"], [None, None])


def test_overspeed_on_a_60_road_names_the_limit():
    # 2 min at 70 km/h on a primary road with no posted limit (60 for a dangerous-goods vehicle), then 55.
    n = 48
    speeds = np.where((np.arange(n) >= 10) & (np.arange(n) < 35), 70.0, 55.0)  # fixes 10..34: 120 s
    limits = limit_kph(["primary"] * n, [None] * n)
    roads = ["Yan'an Road"] * n
    [episode] = overspeed_episodes(seconds(n), speeds, limits, min_duration_s=60, roads=roads,
                                   step_m=np.full(n, 5 * 70 / 3.6))
    assert episode["kind"] == "overspeed" and episode["limit_kph"] == 60 and episode["max_speed_kph"] == 70
    assert episode["road"] == "Yan'an Road" and episode["duration_s"] == 120
    assert (episode["first_index"], episode["last_index"]) == (10, 34)
    assert episode["start"] == (T0 + pd.Timedelta(seconds=50)).isoformat()
    assert episode["length_m"] == pytest.approx(24 * 5 * 70 / 3.6, abs=0.1)


def test_75_on_a_motorway_without_posted_limit_is_no_overspeed():
    n = 60
    limits = limit_kph(["motorway"] * n, [None] * n)
    assert overspeed_episodes(seconds(n), np.full(n, 75.0), limits, min_duration_s=30) == []


def test_a_lower_posted_limit_applies_on_a_motorway():
    n = 60
    limits = limit_kph(["motorway"] * n, ["60"] * n)
    [episode] = overspeed_episodes(seconds(n), np.full(n, 75.0), limits, min_duration_s=30)
    assert episode["limit_kph"] == 60


def test_a_short_burst_and_unknown_limits_are_no_overspeed():
    n = 20
    speeds = np.full(n, 50.0)
    speeds[5:8] = 90.0  # 10 s over
    assert overspeed_episodes(seconds(n), speeds, np.full(n, 60.0), min_duration_s=30) == []
    assert overspeed_episodes(seconds(n), np.full(n, 90.0), np.full(n, np.nan), min_duration_s=30) == []
    assert overspeed_episodes(seconds(0), np.zeros(0), np.zeros(0)) == []
