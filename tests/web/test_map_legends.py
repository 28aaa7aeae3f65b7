"""The maps' legends tell their keys apart (issue 19: 禁行区 and 闯入禁行区 were two shades of one purple)."""
from __future__ import annotations

import re

from tests.paths import REPO

CSS = (REPO / "app" / "web" / "static" / "site.css").read_text(encoding="utf-8")


def _colour(selector: str, prop: str) -> tuple[int, int, int]:
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)[1]
    value = re.search(prop + r":\s*([^;]+);", rule)[1]
    if value.startswith("#"):
        return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(n)) for n in re.findall(r"[\d.]+", value)[:3])


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def test_a_forbidden_zone_and_an_entry_into_it_have_colours_far_apart() -> None:
    assert _distance(_colour(".key-zone", "background"), _colour(".key-forbidden", "background")) > 150
    assert _distance(_colour("#trip-map .zone", "fill"), _colour("#trip-map .episode-forbidden_zone", "stroke")) > 150
    assert _colour(".key-forbidden", "background") == _colour("#trip-map .episode-forbidden_zone", "stroke")
