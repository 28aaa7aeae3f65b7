"""Wuxi's districts, named and drawn from the boundaries file of the reference data (``DISTRICTS_FILE``).

Sites and enterprises carry a county-level adcode (GB/T 2260); the file gives each Wuxi adcode its name and
outline. Other adcodes (the demo's Shanghai depots) are counted under their code. Without the file the
dashboard still counts by adcode and draws no map. The outlines may be GCJ-02-shifted by a few hundred
metres (shared/data/README.md): good enough for a district overview, not for positions.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from flask import current_app
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.web.svg import Frame, path_data
from routing.projection import geometry_to_metric, utm_crs


@dataclass(frozen=True)
class District:
    adcode: str
    name: str
    outline: BaseGeometry  # metric (UTM)


@functools.lru_cache(maxsize=2)
def _read(path: str) -> tuple[District, ...]:
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    outlines = [shape(f["geometry"]) for f in features]
    crs = utm_crs(*shapely.total_bounds(outlines))
    return tuple(District(str(f["properties"]["adcode"]), f["properties"]["name"],
                          shapely.simplify(geometry_to_metric(g, crs), 60.0))
                 for f, g in zip(features, outlines))


def districts() -> dict[str, District]:
    """The districts by adcode (empty when the boundaries file is not installed)."""
    path = Path(current_app.config["DATA_DIR"]) / current_app.config["DISTRICTS_FILE"]
    return {d.adcode: d for d in _read(str(path))} if path.is_file() else {}


def district_name(adcode: str | None, known: Mapping[str, District]) -> str:
    if not adcode:
        return "—"
    return known[adcode].name if adcode in known else adcode


@dataclass(frozen=True)
class DistrictShape:
    adcode: str
    name: str
    d: str
    label_x: float
    label_y: float
    count: int
    level: int  # 0 (none) .. 3 (most), for the fill


def district_map(known: Mapping[str, District], counts: Mapping[str, int],
                 width: float = 600.0) -> tuple[Frame, list[DistrictShape]] | None:
    """Every district outlined, shaded by its count, with a label point inside it."""
    if not known:
        return None
    frame = Frame.around([shapely.bounds(d.outline) for d in known.values()], 2000.0, width)
    top = max(counts.values(), default=0) or 1
    shapes = []
    for district in known.values():
        point = shapely.point_on_surface(district.outline)
        x, y = frame.xy(np.array([point.x]), np.array([point.y]))
        count = counts.get(district.adcode, 0)
        shapes.append(DistrictShape(district.adcode, district.name, path_data(frame, district.outline),
                                    float(x[0]), float(y[0]), count, 0 if not count else 1 + int(2 * count / top)))
    return frame, shapes
