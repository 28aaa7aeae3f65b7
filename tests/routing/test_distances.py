"""The indexed boundary distance agrees with ``shapely.distance`` (GEOS), point for point."""
import numpy as np
import pandas as pd
import pytest
import shapely

from routing.checks import fix_states
from routing.corridors import load_corridor
from routing import distances
from routing.distances import BoundaryDistance
from routing.projection import to_wgs84
from routing.tracks import Track
from tests.paths import DEMO_CORRIDOR

BUFFERED_LINE = shapely.LineString([(0, 0), (400, 0), (400, 300), (900, 320), (850, -200)]).buffer(50.0)
WITH_HOLES = shapely.Polygon([(0, 0), (1000, 0), (1000, 800), (0, 800)],
                             [[(100, 100), (300, 100), (300, 300), (100, 300)],
                              [(500, 400), (800, 450), (650, 700)]])
MULTI_PART = shapely.MultiPolygon([
    shapely.Point(0, 0).buffer(120.0),
    shapely.Polygon([(500, -50), (1500, -40), (1500, 60), (500, 50)], [[(900, -10), (1100, -10), (1000, 30)]]),
    shapely.LineString([(-400, 600), (1200, 900)]).buffer(30.0, cap_style="flat"),
])
TOUCHING_PARTS = shapely.MultiPolygon([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)])


def boundary_points(area, n, rng):
    """Points on the boundary: the vertices and points along the edges."""
    edge = shapely.line_interpolate_point(shapely.boundary(area), rng.random(n), normalized=True)
    edge_xy = shapely.get_coordinates(edge)
    vertices = shapely.get_coordinates(area)
    return np.concatenate((edge_xy, vertices))


def sample(area, rng, n=4000):
    """Points inside, outside (near and far), on the boundary and within a hair of it."""
    west, south, east, north = area.bounds
    pad = max(east - west, north - south)
    near = rng.uniform((west - 60, south - 60), (east + 60, north + 60), (n, 2))
    wide = rng.uniform((west - pad, south - pad), (east + pad, north + pad), (n // 4, 2))
    far = rng.normal(0.0, 1e5, (50, 2))
    on = boundary_points(area, n // 4, rng)
    hair = on + rng.normal(0.0, 1e-6, on.shape)
    return np.concatenate((near, wide, far, on, hair))


@pytest.mark.parametrize("area", [BUFFERED_LINE, WITH_HOLES, MULTI_PART, TOUCHING_PARTS],
                         ids=["buffered-line", "holes", "multi-part", "touching-parts"])
@pytest.mark.parametrize("cell_m", [1.0, 10.0])
def test_the_cell_centres_measured_from_coarser_cells_give_the_same_distances_bit_for_bit(area, cell_m,
                                                                                          monkeypatch):
    """Many occupied cells: their centres' distances (which only bound each cell's candidates) come from cells 16x
    as large, not from an STRtree nearest query per cell; every distance is the same as with the queries."""
    rng = np.random.default_rng(20)
    xy = sample(area, rng, n=20000)
    coarse = BoundaryDistance(area, cell_m).distance(xy[:, 0], xy[:, 1])
    monkeypatch.setattr(distances, "_COARSE_FROM", len(xy) * 10)  # one query per cell, as before
    queried = BoundaryDistance(area, cell_m).distance(xy[:, 0], xy[:, 1])
    assert np.array_equal(coarse, queried)


@pytest.mark.parametrize("area", [BUFFERED_LINE, WITH_HOLES, MULTI_PART, TOUCHING_PARTS],
                         ids=["buffered-line", "holes", "multi-part", "touching-parts"])
@pytest.mark.parametrize("cell_m", [1.0, 10.0, 250.0])
def test_distance_to_the_boundary_matches_shapely(area, cell_m):
    rng = np.random.default_rng(18)
    xy = sample(area, rng)
    got = BoundaryDistance(area, cell_m).distance(xy[:, 0], xy[:, 1])
    expected = shapely.distance(shapely.boundary(area), shapely.points(xy))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
    # Outside the area, the distance to the boundary is the distance to the area itself.
    outside = ~shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    assert outside.sum() > 1000 and (~outside).sum() > 1000
    np.testing.assert_allclose(got[outside], shapely.distance(area, shapely.points(xy[outside])),
                               rtol=1e-12, atol=1e-9)


def test_points_far_from_the_crs_origin_are_measured_too():
    x = np.array([10.0, 1e9, -3e8, 500.0, 2e8])
    y = np.array([10.0, 5.0, 2e9, 500.0, -1e12])
    got = BoundaryDistance(WITH_HOLES).distance(x, y)
    np.testing.assert_allclose(got, shapely.distance(shapely.boundary(WITH_HOLES), shapely.points(x, y)), rtol=1e-12)


def test_no_points():
    assert BoundaryDistance(BUFFERED_LINE).distance(np.zeros(0), np.zeros(0)).shape == (0,)


@pytest.mark.parametrize("lateral_m", [0.0, 40.0, 300.0, 5000.0])
def test_fix_offsets_match_shapely_on_the_demo_corridor(lateral_m):
    """The per-fix stage's offsets: 0 inside, GEOS's distance to the corridor outside, whatever the share out."""
    corridor = load_corridor(DEMO_CORRIDOR)
    area = corridor.area()
    rng = np.random.default_rng(7)
    west, south, east, north = area.bounds
    x = rng.uniform(west, east, 3000) + lateral_m
    y = rng.uniform(south, north, 3000)
    lon, lat = to_wgs84(x, y, corridor.crs)
    time_ns = pd.Timestamp("2026-01-01T08:00Z").value + np.arange(len(x)) * 1_000_000_000
    track = Track(lon=lon, lat=lat, time_ns=time_ns, speed_kph=None, points=len(x))
    state = fix_states(track, corridor)
    expected = shapely.distance(area, shapely.points(state.x, state.y))
    np.testing.assert_allclose(state.offset_m, expected, rtol=1e-12, atol=1e-9)
    assert state.outside.any()


def test_a_fix_inside_a_part_closed_at_its_time_is_out_but_zero_metres_off():
    """Outside every part open at its time, yet inside the union of the parts: 0 m, as GEOS measures it."""
    corridor = load_corridor({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "always", "width_m": 30},
         "geometry": {"type": "LineString", "coordinates": [[121.47, 31.22], [121.48, 31.22]]}},
        {"type": "Feature", "properties": {"name": "mornings", "width_m": 30, "time_windows": [["07:00", "09:00"]],
                                           "tz": "Asia/Shanghai"},
         "geometry": {"type": "LineString", "coordinates": [[121.48, 31.22], [121.48, 31.23]]}},
    ]})
    area = corridor.area()
    west, south, east, north = area.bounds
    rng = np.random.default_rng(3)
    x, y = rng.uniform(west - 100, east + 100, 2000), rng.uniform(south - 100, north + 100, 2000)
    lon, lat = to_wgs84(x, y, corridor.crs)
    noon = pd.Timestamp("2026-01-01T04:00Z").value  # 12:00 in Shanghai: the morning part is closed
    track = Track(lon=lon, lat=lat, time_ns=noon + np.arange(len(x)) * 1_000_000_000, speed_kph=None,
                  points=len(x))
    state = fix_states(track, corridor)
    in_closed_part = state.outside & shapely.contains_xy(area, state.x, state.y)
    assert in_closed_part.sum() > 20
    np.testing.assert_array_equal(state.offset_m[in_closed_part], 0.0)
    np.testing.assert_allclose(state.offset_m, shapely.distance(area, shapely.points(state.x, state.y)),
                               rtol=1e-12, atol=1e-9)
