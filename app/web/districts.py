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


#: The first levels of the administrative division codes (GB/T 2260, 中华人民共和国行政区划代码, as the Ministry of
#: Civil Affairs publishes them): the provinces, and the prefectures of Jiangsu around Wuxi. A district of another
#: city is named by its province (or prefecture) and its code: the boundary file has Wuxi's districts only.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省", "22": "吉林省",
    "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省",
    "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
PREFECTURES = {
    "3201": "南京市", "3202": "无锡市", "3203": "徐州市", "3204": "常州市", "3205": "苏州市", "3206": "南通市",
    "3207": "连云港市", "3208": "淮安市", "3209": "盐城市", "3210": "扬州市", "3211": "镇江市", "3212": "泰州市",
    "3213": "宿迁市",
}


def district_name(adcode: str | None, known: Mapping[str, District]) -> str:
    """A district's name: Wuxi's from the boundary file, another's as its prefecture or province and its code."""
    if not adcode:
        return "—"
    if adcode in known:
        return known[adcode].name
    region = PREFECTURES.get(adcode[:4]) or PROVINCES.get(adcode[:2])
    return f"{region} {adcode}" if region else adcode


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
