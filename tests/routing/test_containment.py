"""The grid answers which points lie inside a polygon exactly as ``shapely.contains_xy`` does."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from routing.checks import _contains
from routing.containment import MIN_POINTS, GridContains


def _points(area, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over (and around) the area's box, its vertices, points on its edges, and no numbers."""
    west, south, east, north = area.bounds
    x = rng.uniform(west - 50, east + 50, n)
    y = rng.uniform(south - 50, north + 50, n)
    vertices = shapely.get_coordinates(shapely.boundary(area))
    on_edges = (vertices[:-1] + vertices[1:]) / 2  # midpoints: on the boundary (or across a ring's seam)
    extra = np.vstack([vertices, on_edges, [[np.nan, south], [west, np.nan], [np.inf, south]]])
    return np.concatenate([x, extra[:, 0]]), np.concatenate([y, extra[:, 1]])


AREAS = {
    "corridor": shapely.LineString([(0, 0), (400, 300), (900, 250), (1200, 900)]).buffer(50),
    "with a hole": Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)],
                           [[(300, 300), (700, 300), (700, 700), (300, 700)]]),
    "two parts": MultiPolygon([Polygon([(0, 0), (100, 0), (100, 100)]),
                               Polygon([(500, 500), (900, 520), (700, 900)])]),
}


@pytest.mark.parametrize("name", sorted(AREAS))
@pytest.mark.parametrize("max_cells", [64, 4096, 1 << 18])
def test_the_grid_answers_as_contains_xy(name, max_cells):
    area = AREAS[name]
    shapely.prepare(area)
    x, y = _points(area, np.random.default_rng(7), 20_000)
    expected = shapely.contains_xy(area, x, y)
    assert expected.any() and not expected.all()
    assert (GridContains(area, max_cells=max_cells).contains(x, y) == expected).all()


def test_a_large_batch_is_answered_from_the_grid_with_the_same_result():
    area = AREAS["corridor"]
    x, y = _points(area, np.random.default_rng(3), 2 * MIN_POINTS)  # most of them in its box
    memo: dict = {}
    found = _contains(area, x, y, memo)
    assert any(key[0] == "grid" for key in memo)  # the grid was built (and is kept for the next batch)
    assert (found == shapely.contains_xy(area, x, y)).all()
    small: dict = {}
    assert (_contains(area, x[:100], y[:100], small) == found[:100]).all()
    assert not any(key[0] == "grid" for key in small)  # a small batch builds no grid
