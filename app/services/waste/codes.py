"""The 国家危险废物名录 (2021) as far as the project ships it, and the checks a waste declaration passes.

The category table is complete (HW01-HW50, with the two unused numbers marked); the code table holds only the
codes the project states as facts (app/data/README.md). A code outside the table is still accepted when it is
well formed and of the declared category: the table is a reference, not the whole list.
"""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from app.data import WASTE_CATEGORIES, WASTE_CODES
from app.errors import ValidationFailed
from models.waste import category_of, category_problem, characteristics_problem, code_problem


@dataclass(frozen=True)
class Category:
    category: str
    name_zh: str
    in_use: bool


@dataclass(frozen=True)
class WasteCode:
    code: str
    category: str
    #: What a waste of this code may be declared to have (``T,I`` in the list: both; ``T/In``: one or more).
    characteristics: tuple[str, ...]
    description_zh: str


@dataclass(frozen=True)
class Declaration:
    """What a generator declares about a waste batch; the category may be left to the code."""

    code: str
    characteristics: tuple[str, ...]
    category: str | None = None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def categories() -> dict[str, Category]:
    return {row["category"]: Category(row["category"], row["name_zh"], row["in_use"] == "yes")
            for row in _rows(WASTE_CATEGORIES)}


@functools.cache
def codes() -> dict[str, WasteCode]:
    return {row["code"]: WasteCode(row["code"], row["category"],
                                   tuple(row["characteristics"].replace("/", ",").split(",")), row["description_zh"])
            for row in _rows(WASTE_CODES)}


def checked(declaration: Declaration, *, prefix: str = "") -> Declaration:
    """The declaration with its category filled in; ValidationFailed naming ``{prefix}waste_*`` fields.

    The code must be well formed and belong to the category (its last two digits); the characteristics must
    be among T, C, I, R, In and, for a code in the table, among those the list gives for it.
    """
    errors: dict[str, list[str]] = {}
    category = declaration.category
    if category is not None and (problem := category_problem(category)):
        errors[f"{prefix}waste_category"] = [problem]
        category = None
    if problem := code_problem(declaration.code, category):
        errors[f"{prefix}waste_code"] = [problem]
    characteristics = list(declaration.characteristics)
    problem = characteristics_problem(characteristics)
    known = codes().get(declaration.code)
    if problem is None and known is not None and not set(characteristics) <= set(known.characteristics):
        problem = f"{declaration.code} is listed with {', '.join(known.characteristics)} only"
    if problem:
        errors[f"{prefix}waste_characteristics"] = [problem]
    if errors:
        raise ValidationFailed("The hazardous waste declaration is not valid.", errors=errors)
    return Declaration(declaration.code, tuple(characteristics), category_of(declaration.code))
