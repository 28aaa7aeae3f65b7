"""Geometry to SVG path data: metric coordinates framed into SVG user units (y grows downwards)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Frame:
    """A window of the metric plane drawn ``width`` units wide, at the same scale along both axes."""

    west: float
    south: float
    east: float
    north: float
    width: float = 1000.0

    @classmethod
    def around(cls, bounds: Iterable[tuple[float, float, float, float]], margin: float,
               width: float = 1000.0) -> Frame:
        """The smallest frame holding every box of *bounds* (west, south, east, north), plus *margin*."""
        boxes = np.array([b for b in bounds if np.all(np.isfinite(b))], dtype=float)
        west, south = boxes[:, 0].min() - margin, boxes[:, 1].min() - margin
        east, north = boxes[:, 2].max() + margin, boxes[:, 3].max() + margin
        return cls(float(west), float(south), float(east), float(north), width)

    @property
    def scale(self) -> float:
        return self.width / (self.east - self.west)

    @property
    def height(self) -> float:
        return round((self.north - self.south) * self.scale, 1)

    @property
    def window(self) -> BaseGeometry:
        return shapely.box(self.west, self.south, self.east, self.north)

    def xy(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return (np.asarray(x) - self.west) * self.scale, (self.north - np.asarray(y)) * self.scale


def polyline(frame: Frame, x: FloatArray, y: FloatArray, *, closed: bool = False) -> str:
    """``M x y L x y ...`` for one run of points (one decimal: a tenth of a pixel is plenty)."""
    sx, sy = frame.xy(x, y)
    if len(sx) == 0:
        return ""
    return "M" + " L".join(f"{a:.1f} {b:.1f}" for a, b in zip(sx, sy)) + (" Z" if closed else "")


def path_data(frame: Frame, geometry: BaseGeometry) -> str:
    """Path data of any (multi) line or polygon, every ring and part in one string (even-odd filled)."""
    parts: list[str] = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, shapely.Polygon):
            for ring in (part.exterior, *part.interiors):
                coords = np.asarray(ring.coords)
                parts.append(polyline(frame, coords[:-1, 0], coords[:-1, 1], closed=True))
        elif isinstance(part, shapely.LineString):
            coords = np.asarray(part.coords)
            parts.append(polyline(frame, coords[:, 0], coords[:, 1]))
        elif isinstance(part, shapely.GeometryCollection):
            parts.append(path_data(frame, part))
    return " ".join(p for p in parts if p)
