"""Distances from many points to a polygon's boundary, vectorised: what an off-corridor fix is measured with.

``shapely.distance(polygon, points)`` walks every edge of the polygon for every point (about 11 µs a point for the
625-vertex demo corridor). Here the boundary is cut into its segments, the points are binned into square cells,
and each occupied cell is given the few segments that can hold the nearest boundary point of any point in it (one
STRtree query per cell, not per point); the point-to-segment distances are then numpy arithmetic over (point,
candidate) pairs. The result is the exact distance (the same formula as GEOS's, equal to ``shapely.distance`` to
within rounding), for a point outside the polygon also its distance to the polygon.

Why a cell's candidates suffice: for a point *p* in a cell with centre *c* and half-diagonal *r*, the boundary is
at most ``d(c) + r`` away, so the segment nearest to *p* lies within ``d(c) + 2r`` of *c*.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Cell side, metres: smaller cells give each point fewer candidate segments but cost more STRtree queries
#: (10 m was the fastest of 5–100 m on the demo corridor, with points 0–300 m off it).
CELL_M = 10.0
_FAR_M = 1e8  # metres from the CRS origin beyond which a point is measured by GEOS (keeps cell keys in int64)
_CHUNK = 1 << 16  # points measured at a time
_DENSE_CELLS = 1 << 22  # beyond this many cells in the points' bounding box (and 4 per point), sort to find them
#: Beyond this many occupied cells, their centres' distances to the boundary (which bound each cell's candidates)
#: are measured as the points' are, from cells ``_COARSE`` times as large, not by an STRtree nearest query per
#: cell (6.5 µs each: a third of the distances of 500,000 fixes 300 m off the demo corridor, issue 18). Only the
#: candidate sets depend on them, with a margin for rounding: the distances are the same, bit for bit.
_COARSE_FROM, _COARSE = 256, 16.0


class BoundaryDistance:
    """The boundary segments of a (multi)polygon, indexed for :meth:`distance` (build once per geometry)."""

    def __init__(self, area: BaseGeometry, cell_m: float = CELL_M):
        rings = shapely.get_rings(shapely.get_parts(area))
        coords, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]  # consecutive vertices of one ring make a segment
        start, end = coords[:-1][same], coords[1:][same]
        self.cell_m = float(cell_m)
        self._ax, self._ay = np.ascontiguousarray(start[:, 0]), np.ascontiguousarray(start[:, 1])
        self._dx, self._dy = end[:, 0] - self._ax, end[:, 1] - self._ay
        length2 = self._dx * self._dx + self._dy * self._dy
        # A zero-length segment is its start point: projecting onto it gives 0.
        self._inv_length2 = np.divide(1.0, length2, out=np.zeros_like(length2), where=length2 > 0)
        self._tree = shapely.STRtree(shapely.linestrings(np.stack((start, end), axis=1)))
        self._boundary = shapely.boundary(area)

    def distance(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """The distance from each point ``(x, y)`` to the nearest boundary segment (same units as the geometry).

        Parameters
        ----------
        x, y : numpy.ndarray
            Coordinates in the geometry's CRS.

        Returns
        -------
        numpy.ndarray
        """
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        result = np.empty(len(x))
        # A point projected from the other side of the world (or to infinity) has no cell worth making: GEOS.
        far = ~((np.abs(x) < _FAR_M) & (np.abs(y) < _FAR_M))
        if far.any():
            result[far] = shapely.distance(self._boundary, shapely.points(x[far], y[far]))
            near = np.flatnonzero(~far)
            result[near] = self.distance(x[near], y[near])
            return result
        if not len(x):
            return result
        return self._distance(x, y, self.cell_m)

    def _distance(self, x: FloatArray, y: FloatArray, h: float) -> FloatArray:
        """:meth:`distance` of points near the origin (cells of side *h* keyed in int64), at least one."""
        result = np.empty(len(x))
        cell, first, candidates = self._cells(x, y, h)
        # The candidates' segments laid out per (cell, candidate) pair: one gather per number in the loop.
        ax, ay, dx, dy, inv = (column[candidates] for column in
                               (self._ax, self._ay, self._dx, self._dy, self._inv_length2))
        count = np.diff(first)[cell]
        # Points with the most candidates first: within a chunk, candidate rank j then concerns a prefix of the
        # points, and the loops run over chunks and ranks (a few dozen), never over points.
        order = np.argsort(-count.astype(np.int16 if count.max() < 2**15 else np.int64), kind="stable")
        best = np.empty(len(x))
        for lo in range(0, len(x), _CHUNK):  # a chunk's temporaries stay in the CPU cache
            chunk = order[lo:lo + _CHUNK]
            best[lo:lo + len(chunk)] = _nearest_squared(x[chunk], y[chunk], first[cell[chunk]], count[chunk],
                                                        (ax, ay, dx, dy, inv))
        result[order] = np.sqrt(best)
        return result

    def bounds(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """A lower and an upper bound of :meth:`distance` for each point, from its cell's centre: a point lies within
        half a cell's diagonal of it (with a margin for rounding). A tenth of the cost of the distances: what
        ``route check`` needs to find the largest distance over a range of fixes without measuring them all.
        Returns ``(lower, upper)``: ``lower <= distance(x, y) <= upper``, point by point (*x*, *y* as there).
        """
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        near = (np.abs(x) < _FAR_M) & (np.abs(y) < _FAR_M)
        if near.all():
            if not len(x):
                return np.zeros(0), np.zeros(0)
            cell, _cx, _cy, nearest = self._centres(x, y, self.cell_m)
            centre = nearest[cell]
            reach = 1e-6 * (1 + centre)
            reach += self.cell_m * np.sqrt(0.5) * (1 + 1e-9)
            lower = centre - reach
            np.maximum(lower, 0.0, out=lower)
            centre += reach
            return lower, centre
        lower, upper = np.zeros(len(x)), np.full(len(x), np.inf)  # a point far out: no bound (see distance)
        if near.any():
            lower[near], upper[near] = self.bounds(x[near], y[near])
        return lower, upper

    def _centres(self, x: FloatArray, y: FloatArray, h: float) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """Bin the points into cells of side *h*; return each point's cell, and per cell its centre and the centre's
        distance to the boundary."""
        col, row = np.floor(x / h).astype(np.int64), np.floor(y / h).astype(np.int64)
        col0, row0 = int(col.min()), int(row.min())
        keys, cell = _occupied(col - col0, row - row0)
        rows = int(row.max()) - row0 + 1
        cx, cy = (keys // rows + col0 + 0.5) * h, (keys % rows + row0 + 0.5) * h
        if len(keys) > _COARSE_FROM:  # many cells: their centres' distances the same way, from cells 16x as large
            nearest = self._distance(cx, cy, h * _COARSE)
        else:
            _, nearest = self._tree.query_nearest(shapely.points(cx, cy), return_distance=True, all_matches=False)
        return cell, cx, cy, nearest

    def _cells(self, x: FloatArray, y: FloatArray, h: float) -> tuple[IntArray, IntArray, IntArray]:
        """Bin the points into cells of side *h*; return each point's cell, and per cell its candidates (CSR:
        ``first`` offsets into ``candidates``)."""
        cell, cx, cy, nearest = self._centres(x, y, h)
        centres = shapely.points(cx, cy)
        # The margin covers rounding: a candidate too many costs nothing, one too few a wrong distance.
        reach = nearest + h * np.sqrt(2.0) * (1 + 1e-9) + 1e-6 * (1 + nearest)
        which, segment = self._tree.query(centres, predicate="dwithin", distance=reach)
        if len(which) > 1 and (which[1:] < which[:-1]).any():  # GEOS answers in input order; do not rely on it
            segment = segment[np.argsort(which, kind="stable")]
        first = np.concatenate(([0], np.cumsum(np.bincount(which, minlength=len(cx)))))
        return cell, first, segment


def _nearest_squared(px: FloatArray, py: FloatArray, pair: IntArray, count: IntArray,
                     segments: tuple[FloatArray, ...]) -> FloatArray:
    """The squared distance from each point to the nearest of its candidates, the points in descending order
    of ``count`` (their candidates are ``pair``, ``pair + 1``, ... in the ``segments`` columns)."""
    ax, ay, dx, dy, inv = segments
    active = np.searchsorted(-count, -np.arange(count[0]), side="left")  # points with more than j candidates
    best = np.full(len(px), np.inf)
    at = pair.copy()
    for m in active.tolist():
        now = at[:m]
        seg_dx, seg_dy = dx[now], dy[now]
        ex, ey = px[:m] - ax[now], py[:m] - ay[now]
        # GEOS's point-to-segment rule: the projection onto the segment, clamped to its ends.
        t = ex * seg_dx
        t += ey * seg_dy
        t *= inv[now]
        np.clip(t, 0.0, 1.0, out=t)
        seg_dx *= t
        seg_dy *= t
        ex -= seg_dx
        ey -= seg_dy
        ex *= ex
        ey *= ey
        ex += ey
        np.minimum(best[:m], ex, out=best[:m])
        now += 1
    return best


def _occupied(col: npt.NDArray[np.int64], row: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], IntArray]:
    """The occupied cells (flat keys ``col * rows + row``, ascending) and each point's index among them.

    A bounding box of few cells is marked in a dense table (linear time); a sparse one (points spread over a
    region, or far apart) is sorted instead."""
    rows = int(row.max()) + 1
    flat = col * rows + row
    size = (int(col.max()) + 1) * rows
    if size <= max(_DENSE_CELLS, 4 * len(flat)):
        seen = np.zeros(size, dtype=bool)
        seen[flat] = True
        index = np.cumsum(seen, dtype=np.int64 if size >= 2**31 else np.int32) - 1
        return np.flatnonzero(seen), index[flat].astype(np.intp)
    keys, cell = np.unique(flat, return_inverse=True)
    return keys, cell.ravel()
