"""The shortcuts that made ``route check`` of a million fixes fast (issue 18) give what the general way gave."""
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from routing.checks import _contains, _iso
from routing.fatigue import MAX_DRIVING_S, fatigue_scan
from routing.projection import _utm_epsg, utm_crs


def test_episode_times_are_written_as_pandas_writes_them():
    values = [0, 1, 999, 1000, 1_500_000_000, 1_767_225_600_123_456_789, 1_767_225_600_123_456_000, -1]
    values += np.random.default_rng(1).integers(946_684_800 * 10**9, 4_102_444_800 * 10**9, 2000).tolist()
    for ns in values:
        assert _iso(ns) == pd.Timestamp(ns, tz="UTC").isoformat()


def test_containment_asked_within_the_bounding_box_only_is_the_same():
    zone = shapely.Point(0, 0).buffer(100.0)
    shapely.prepare(zone)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1000, 1000, 20_000), rng.uniform(-1000, 1000, 20_000)
    x[:4], y[:4] = [100.0, -100.0, 0.0, 99.99], [0.0, 0.0, 100.0, 0.0]  # on the box's edge, and just inside
    np.testing.assert_array_equal(_contains(zone, x, y), shapely.contains_xy(zone, x, y))
    assert _contains(zone, np.array([1.0, 2, 3]), np.array([1.0, 2, 3])).all()  # all in the box: asked directly


POINTS = [(121.47, 31.23), (-0.1, 51.5), (114.06, 22.54), (5.9999, 0.001), (6.0001, -0.001), (179.99, 83.9),
          (-179.99, -79.9), (-74.0, 40.7), (151.2, -33.9)]


@pytest.mark.parametrize(("lon", "lat"), POINTS + [tuple(p) for p in np.random.default_rng(4).uniform(
    (-180, -80), (180, 84), (12, 2)).round(4).tolist()])
def test_the_utm_zone_by_arithmetic_is_the_one_proj_names(lon, lat):
    code = _utm_epsg(lon, lat)
    [first, *_] = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat))
    assert code == int(first.code)
    assert utm_crs(lon, lat, lon, lat).to_string() == f"EPSG:{code}"


@pytest.mark.parametrize(("lon", "lat"), [(120.0, 31.0), (121.0, 0.0), (10.0, 85.0), (10.0, -81.0)])
def test_a_zone_edge_or_beyond_utm_is_left_to_proj(lon, lat):
    assert _utm_epsg(lon, lat) is None


@pytest.mark.parametrize("step_s", [1.0, 7.0, 30.0])
def test_a_track_shorter_than_the_driving_limit_has_no_fatigue_episode(step_s):
    """The premise of the fatigue shortcut (no scan for a track under 4 h less a second): driving all the way,
    a track finds an episode only past the limit."""
    for span_s in (MAX_DRIVING_S - 2.0, MAX_DRIVING_S - 1.0, MAX_DRIVING_S, MAX_DRIVING_S + step_s + 1.0):
        time_ns = (np.append(np.arange(0.0, span_s, step_s), span_s) * 1e9).astype(np.int64)
        found, _ = fatigue_scan(time_ns, np.ones(len(time_ns) - 1, dtype=bool))
        assert bool(found) == (span_s > MAX_DRIVING_S), span_s
