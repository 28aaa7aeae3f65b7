"""Which of many points lie inside a polygon, answered mostly from a grid: the corridor test of a re-check's fixes.

``shapely.contains_xy`` against the prepared 625-vertex demo corridor costs about 0.1 µs a point, as much as
projecting it. Here the polygon's bounding box is cut into square cells once; a cell the boundary does not come
near is wholly inside or wholly outside the polygon (a closed square that meets no boundary point is connected,
so it lies in the interior or in the exterior), which its centre tells. A point in such a cell takes the cell's
answer (two multiplications and a look-up); a point in a cell near the boundary is asked of GEOS. The answer is
``shapely.contains_xy``'s for every point, a point on the boundary included (it is in a cell near the boundary).

Which cells are near the boundary: the boundary is densified to a vertex every half cell, so each boundary point
lies within a quarter cell of a vertex, and any cell touching it is at most one cell from that vertex's cell
(per axis); three cells around each vertex's cell are marked, which also covers the rounding of a point's cell
number by one each way.

:class:`ThreadArea` gives each thread its own prepared copy of a polygon: GEOS's prepared geometries build their
point index on first use and are not safe to share between threads even after that (libgeos/geos#825: "Prepared
geometry is not thread-safe"); shapely 2.2 with GEOS 3.14.1, two threads testing points against one prepared
polygon aborted the process ("unaligned tcache chunk") or deadlocked in the index's build, about one 1 M-fix
``route check`` in ten, a warm-up test before the threads started notwithstanding.
"""
from __future__ import annotations

import math
import threading

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: Most cells a grid has (one byte each; classifying them costs about a contains_xy per cell, once).
MAX_CELLS = 1 << 18
#: Fewest points in one call for which a grid is worth building (a live batch of a few dozen never builds one).
MIN_POINTS = 100_000
_MARGIN = 3  # cells marked around each boundary vertex's cell
_OUTSIDE, _INSIDE, _NEAR = 0, 1, 2


class ThreadArea:
    """A polygonal *area* tested by several threads: each thread tests its own prepared copy (the same
    coordinates: WKB keeps every double), made on its first test; the copies go with their thread or with this
    object."""

    def __init__(self, area: BaseGeometry):
        self.area = area
        self._wkb = shapely.to_wkb(area)
        self._local = threading.local()

    def contains_xy(self, x: FloatArray, y: FloatArray) -> BoolArray:
        """``shapely.contains_xy(area, x, y)`` on this thread's copy."""
        mine = getattr(self._local, "area", None)
        if mine is None:
            mine = self._local.area = shapely.from_wkb(self._wkb)
            shapely.prepare(mine)
        return shapely.contains_xy(mine, x, y)


class GridContains:
    """``shapely.contains_xy(area, x, y)`` from a grid over a polygonal *area* (build once per geometry; threads
    may share it: the points near the boundary are asked of GEOS on each thread's copy, :class:`ThreadArea`)."""

    def __init__(self, area: BaseGeometry | ThreadArea, max_cells: int = MAX_CELLS):
        self._area = area if isinstance(area, ThreadArea) else ThreadArea(area)
        area = self._area.area
        west, south, east, north = area.bounds
        width, height = max(east - west, 1e-9), max(north - south, 1e-9)
        self._cell = math.sqrt(width * height / max_cells) * (1 + 1e-9)
        self._west, self._south = west, south
        self._cols, self._rows = int(width / self._cell) + 1, int(height / self._cell) + 1
        state = np.full((self._rows, self._cols), _OUTSIDE, dtype=np.int8)
        vertices = shapely.get_coordinates(shapely.segmentize(shapely.boundary(area), self._cell / 2))
        col = np.floor((vertices[:, 0] - west) / self._cell).astype(np.int64)
        row = np.floor((vertices[:, 1] - south) / self._cell).astype(np.int64)
        near = np.zeros_like(state, dtype=bool)
        for d_row in range(-_MARGIN, _MARGIN + 1):
            for d_col in range(-_MARGIN, _MARGIN + 1):
                near[np.clip(row + d_row, 0, self._rows - 1), np.clip(col + d_col, 0, self._cols - 1)] = True
        far_rows, far_cols = np.nonzero(~near)
        centre_x = west + (far_cols + 0.5) * self._cell
        centre_y = south + (far_rows + 0.5) * self._cell
        state[far_rows, far_cols] = np.where(self._area.contains_xy(centre_x, centre_y), _INSIDE, _OUTSIDE)
        state[near] = _NEAR
        self._state = state

    def contains(self, x: FloatArray, y: FloatArray) -> BoolArray:
        """Whether each point ``(x, y)`` lies inside the area (in its interior, as ``contains_xy``)."""
        gx = (x - self._west) / self._cell
        gy = (y - self._south) / self._cell
        on = (gx >= 0) & (gx < self._cols) & (gy >= 0) & (gy < self._rows)  # off the grid: off the bounding box
        state = np.full(len(x), _OUTSIDE, dtype=np.int8)
        state[on] = self._state[gy[on].astype(np.intp), gx[on].astype(np.intp)]
        inside = state == _INSIDE
        ask = np.flatnonzero(state == _NEAR)
        inside[ask] = self._area.contains_xy(x[ask], y[ask])
        return inside
