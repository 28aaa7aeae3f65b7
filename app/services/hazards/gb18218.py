"""GB 18218-2018 危险化学品重大危险源辨识: the tables the identification and grading use (sources: app/data/README.md).

- Table 1 names 85 chemicals with their threshold quantities; those are kept on the catalogue record
  (``Chemical.major_hazard_threshold_t``), as is β for the toxic gases Table 3 names (``major_hazard_beta``).
- Table 2 gives the threshold of a chemical Table 1 does not name, by hazard category (:data:`CATEGORIES`);
  Table 4 gives β by the same categories.
- Table 5 gives α from the number of people living within 500 m of the site (:func:`alpha`).
- Table 6 grades R (:func:`grade`).

S = Σ qᵢ/Qᵢ; the site is a major hazard source when S ≥ 1. R = α · Σ βᵢ·qᵢ/Qᵢ.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from app.text import Text


@dataclass(frozen=True)
class Category:
    """A row of Tables 2 and 4: what the category is, its threshold Q in tonnes, its correction factor β."""

    description: str
    threshold_t: Decimal
    beta: Decimal


def _row(description: str, threshold_t: str, beta: str) -> Category:
    return Category(description, Decimal(threshold_t), Decimal(beta))


#: Table 2 (threshold) and Table 4 (β) by category. J: acute toxicity (健康危害); W: physical hazards.
CATEGORIES: dict[str, Category] = {
    "J1": _row("急性毒性 类别1，所有暴露途径，气体", "5", "4"),
    "J2": _row("急性毒性 类别1，所有暴露途径，固体、液体", "50", "1"),
    "J3": _row("急性毒性 类别2、类别3，所有暴露途径，气体", "50", "2"),
    "J4": _row("急性毒性 类别2、类别3，吸入途径，液体（沸点≤35℃）", "50", "2"),
    "J5": _row("急性毒性 类别2，所有暴露途径，液体（除J4外）、固体", "500", "1"),
    "W1.1": _row("不稳定爆炸物；1.1项爆炸物", "1", "2"),
    "W1.2": _row("1.2、1.3、1.5、1.6项爆炸物", "10", "2"),
    "W1.3": _row("1.4项爆炸物", "50", "2"),
    "W2": _row("易燃气体 类别1和类别2", "10", "1.5"),
    "W3": _row("气溶胶 类别1和类别2（净重）", "150", "1"),
    "W4": _row("氧化性气体 类别1", "50", "1"),
    "W5.1": _row("易燃液体 类别1；类别2和3，工作温度高于沸点", "10", "1.5"),
    "W5.2": _row("易燃液体 类别2和3，具有引发重大事故的特殊工艺条件", "50", "1"),
    "W5.3": _row("不属于W5.1或W5.2的易燃液体 类别2", "1000", "1"),
    "W5.4": _row("不属于W5.1或W5.2的易燃液体 类别3", "5000", "1"),
    "W6.1": _row("自反应物质和混合物 A型和B型", "10", "1.5"),
    "W6.2": _row("自反应物质和混合物 C型、D型、E型", "50", "1"),
    "W7.1": _row("有机过氧化物 A型和B型", "10", "1.5"),
    "W7.2": _row("有机过氧化物 C型、D型、E型、F型", "50", "1"),
    "W8": _row("自燃液体和自燃固体 类别1", "50", "1"),
    "W9.1": _row("氧化性固体和液体 类别1", "50", "1"),
    "W9.2": _row("氧化性固体和液体 类别2、类别3", "200", "1"),
    "W10": _row("易燃固体 类别1", "200", "1"),
    "W11": _row("遇水放出易燃气体的物质和混合物 类别1和类别2", "200", "1"),
}


def split_categories(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Hazard categories given as ``"J3,W2"`` (a chemical with several hazards) or a list; upper-cased."""
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value or ())
    return tuple(p.strip().upper() for p in parts if p and p.strip())


def categories_problem(value: str) -> str | None:
    """Why *value* is not a comma-separated list of Table 2 categories, or None."""
    categories = split_categories(value)
    unknown = [c for c in categories if c not in CATEGORIES]
    if not categories or unknown:
        return Text("not Table 2 categories: {categories} (J1-J5, W1.1-W11)",
                    categories=", ".join(unknown) or repr(value))
    return None


#: Table 5: (at least this many people within 500 m, α), largest band first.
ALPHA_BANDS: tuple[tuple[int, Decimal], ...] = (
    (100, Decimal("2.0")), (50, Decimal("1.5")), (30, Decimal("1.2")), (1, Decimal("1.0")), (0, Decimal("0.5")),
)
#: When the population is not recorded, the largest α: an unknown neighbourhood is graded as a crowded one.
UNKNOWN_POPULATION_ALPHA = ALPHA_BANDS[0][1]
#: β of a chemical with neither its own β nor a category (Table 4's commonest value).
DEFAULT_BETA = Decimal(1)


class Grade(enum.StrEnum):
    """Table 6, most severe first: 一级 R ≥ 100, 二级 50 ≤ R < 100, 三级 10 ≤ R < 50, 四级 R < 10."""

    FIRST = "一级"
    SECOND = "二级"
    THIRD = "三级"
    FOURTH = "四级"

    @property
    def rank(self) -> int:
        """4 for 一级 down to 1 for 四级 (0 is left for a site that is not a major hazard source)."""
        return len(Grade) - list(Grade).index(self)


_GRADE_FLOORS = ((Decimal(100), Grade.FIRST), (Decimal(50), Grade.SECOND), (Decimal(10), Grade.THIRD))


def alpha(population: int | None) -> Decimal:
    """Table 5's α for the number of people within 500 m of the site (None: not recorded)."""
    if population is None:
        return UNKNOWN_POPULATION_ALPHA
    return next(value for floor, value in ALPHA_BANDS if population >= floor)


def grade(s: Decimal | Fraction, r: Decimal | Fraction) -> Grade | None:
    """The grade of a unit with sums *s* and *r*; None when it is not a major hazard source (S < 1).

    Give the exact sums (:class:`~fractions.Fraction`): a boundary (S = 1, R = 10, 50, 100) is met exactly or
    not at all (GB 18218-2018 §4.2.1, Table 6)."""
    if s < 1:
        return None
    return next((g for floor, g in _GRADE_FLOORS if r >= floor), Grade.FOURTH)


def rank(value: Grade | None) -> int:
    return value.rank if value is not None else 0
