"""The 国家危险废物名录 as far as the project ships it, and the checks a waste declaration passes.

The category table is complete (HW01-HW50, with the unused numbers marked); the code table holds only the
codes the project states as facts (app/data/README.md), each with the editions it was verified against. A
declaration names a code of that table or one an administrator added (``waste_codes``: a code the project
does not ship, or a ``900-000-xx`` code for a waste identified as hazardous by testing, 名录 2025 Art. 6);
any other code is refused. Every declaration carries the edition in force on the day the waste was generated
(:func:`edition_in_force`): the 2021 edition from 2021-01-01, the 2025 edition from 2025-01-01.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.data import WASTE_CATEGORIES, WASTE_CODES
from app.errors import Conflict, ValidationFailed
from app.i18n import N_, Text
from models.waste import AddedWasteCode, category_of, category_problem, characteristics_problem, code_problem

#: The editions of the 名录 and the day each came into force (生态环境部令 第15号, 2021; the 2025 edition adopted
#: 2024-11-08, in force 2025-01-01): latest last.
EDITIONS = (("2021", dt.date(2021, 1, 1)), ("2025", dt.date(2025, 1, 1)))


def edition_in_force(day: dt.date) -> str:
    """The edition of the 名录 in force on *day* (the 2021 edition for any day before 2025)."""
    return next((edition for edition, since in reversed(EDITIONS) if day >= since), EDITIONS[0][0])


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
    #: The editions whose text the entry was checked against (the shipped table), or the one an admin named.
    verified_editions: tuple[str, ...] = ()
    added_by_admin: bool = False


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
                                   tuple(row["characteristics"].replace("/", ",").split(",")), row["description_zh"],
                                   tuple(row["verified_editions"].split(";")))
            for row in _rows(WASTE_CODES)}


def lookup(session: Session, code: str) -> WasteCode | None:
    """The code's entry: the shipped table's, else the one an administrator added, else None."""
    shipped = codes().get(code)
    if shipped is not None:
        return shipped
    added = session.get(AddedWasteCode, code)
    if added is None:
        return None
    return WasteCode(added.code, added.category, tuple(added.characteristics), added.description_zh,
                     (added.edition,), added_by_admin=True)


def checked(declaration: Declaration, known: WasteCode | None, *, prefix: str = "") -> Declaration:
    """The declaration with its category filled in; ValidationFailed naming ``{prefix}waste_*`` fields.

    The code must be well formed, belong to the category (its last two digits) and be *known* (the entry
    :func:`lookup` found: a code neither shipped nor added by an administrator is refused); the
    characteristics must be among T, C, I, R, In and among those the entry gives.
    """
    errors: dict[str, list[str]] = {}
    category = declaration.category
    if category is not None and (problem := category_problem(category)):
        errors[f"{prefix}waste_category"] = [problem]
        category = None
    if problem := code_problem(declaration.code, category):
        errors[f"{prefix}waste_code"] = [problem]
    elif known is None:
        errors[f"{prefix}waste_code"] = [Text("{code} is not in the shipped 名录 table: an administrator may add it "
                                              "(POST /api/v1/waste-codes) with its edition and reason",
                                              code=declaration.code)]
    characteristics = list(declaration.characteristics)
    problem = characteristics_problem(characteristics)
    if problem is None and known is not None and not set(characteristics) <= set(known.characteristics):
        problem = Text("{code} is listed with {characteristics} only", code=declaration.code,
                       characteristics=", ".join(known.characteristics))
    if problem:
        errors[f"{prefix}waste_characteristics"] = [problem]
    if errors:
        raise ValidationFailed("The hazardous waste declaration is not valid.", errors=errors)
    return Declaration(declaration.code, tuple(characteristics), category_of(declaration.code))


def add_code(session: Session, user_id: object, *, code: str, characteristics: list[str], description_zh: str,
             edition: str, reason: str) -> AddedWasteCode:
    """An administrator adds a code the shipped table does not have (the caller commits): well formed, of a
    used category, with valid characteristics and an edition of the 名录; never one the table already has."""
    errors: dict[str, list[str]] = {}
    if problem := code_problem(code):
        errors["code"] = [problem]
    if problem := characteristics_problem(list(characteristics)):
        errors["characteristics"] = [problem]
    if edition not in dict(EDITIONS):
        errors["edition"] = [Text("one of {names}", names=" | ".join(dict(EDITIONS)))]
    if errors:
        raise ValidationFailed("The waste code is not valid.", errors=errors)
    if code in codes() or session.get(AddedWasteCode, code) is not None:
        raise Conflict(Text("The table already has {code}.", code=code), errors={"code": [N_("already known")]})
    added = AddedWasteCode(code=code, category=category_of(code), characteristics=list(characteristics),
                           description_zh=description_zh, edition=edition, reason=reason, added_by=user_id)
    session.add(added)
    return added
