import numpy as np
import pytest
from shapely.geometry import LineString

from routing._errors import RoutingInputError
from routing._validate import check_inside_bbox, lonlat_mask, parse_lonlat
from routing.projection import (
    gcj02_to_wgs84, geometry_to_metric, geometry_to_wgs84, to_metric, to_wgs84, utm_crs, wgs84_to_gcj02,
)


@pytest.mark.parametrize(("bbox", "epsg"), [
    ((121.40, 31.17, 121.55, 31.28), 32651),  # Shanghai
    ((113.99, 22.51, 114.04, 22.55), 32650),  # Shenzhen
    ((-70.7, -33.5, -70.5, -33.4), 32719),    # Santiago, southern hemisphere
])
def test_utm_crs_picks_the_zone_of_the_box(bbox, epsg):
    assert utm_crs(*bbox).to_epsg() == epsg


def test_metric_round_trip_and_scale():
    crs = utm_crs(121.4, 31.2, 121.5, 31.3)
    lon = np.array([121.47, 121.48])
    lat = np.array([31.23, 31.23])
    x, y = to_metric(lon, lat, crs)
    # 0.01° of longitude at 31.23° N is about 951 m.
    assert np.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(951.5, abs=2)
    back_lon, back_lat = to_wgs84(x, y, crs)
    np.testing.assert_allclose(back_lon, lon, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, atol=1e-9)
    line = LineString([(121.47, 31.23), (121.48, 31.23)])
    assert geometry_to_metric(line, crs).length == pytest.approx(951.5, abs=2)
    assert geometry_to_wgs84(geometry_to_metric(line, crs), crs).equals_exact(line, 1e-9)


def test_gcj02_shift_is_hundreds_of_metres_in_china_and_inverts():
    lon = np.array([121.47, 114.02, 2.35])
    lat = np.array([31.23, 22.53, 48.85])  # Shanghai, Shenzhen, Paris
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    shift_m = np.hypot((g_lon - lon) * 111_000 * np.cos(np.radians(lat)), (g_lat - lat) * 111_000)
    assert 300 < shift_m[0] < 800 and 300 < shift_m[1] < 800
    assert shift_m[2] == 0  # no shift outside China
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    np.testing.assert_allclose(w_lon, lon, atol=1e-7)  # about a centimetre
    np.testing.assert_allclose(w_lat, lat, atol=1e-7)


def test_lonlat_mask_and_parsing():
    mask = lonlat_mask(np.array([121.0, 181.0, np.nan, -180.0]), np.array([31.0, 0.0, 1.0, -90.0]))
    assert mask.tolist() == [True, False, False, True]
    assert parse_lonlat(" 121.5, 31.2 ") == (121.5, 31.2)
    for bad in ("121.5", "a,b", "121.5,95", "nan,31", "1,2,3"):
        with pytest.raises(RoutingInputError):
            parse_lonlat(bad)


def test_inside_bbox_refuses_other_hemisphere():
    check_inside_bbox(121.45, 31.2, (121.4, 31.1, 121.5, 31.3), margin_deg=0.01)
    with pytest.raises(RoutingInputError, match="outside the network"):
        check_inside_bbox(-121.45, 31.2, (121.4, 31.1, 121.5, 31.3), margin_deg=0.01)
