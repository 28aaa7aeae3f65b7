"""Whether a disposer may accept a waste: its 危险废物经营许可证's waste scope and disposal methods.

A permit covers a waste when its scope names the waste's category (``HW06``) or its eight-digit code, and it
permits the method when its ``disposal_methods`` name it. One permit must do both, on the day asked about,
unrevoked: a permit for HW06 by incineration and another for HW08 by re-refining do not allow HW06 by
re-refining.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import Text
from models import Permit, PermitKind, WasteBatch, WasteOperation


#: 危险废物经营许可证管理办法 Art. 13: "危险废物综合经营许可证有效期为5年；危险废物收集经营许可证有效期为3年".
VALID_YEARS = {WasteOperation.COMPREHENSIVE: 5, WasteOperation.COLLECTION: 3}
#: Art. 3: a collection permit's holder "只能从事机动车维修活动中产生的废矿物油和居民日常生活中产生的废镉镍电池的危险废物
#: 收集经营活动". Their codes in the 名录 (2021): 900-214-08 (废润滑油 of vehicle, ship and machine repair) and
#: 900-044-49 (废弃的镉镍电池、荧光粉和阴极射线管); both are wider than the article's wording (the project's reading).
COLLECTION_CODES = ("900-214-08", "900-044-49")


def last_valid_day(start: dt.date, years: int) -> dt.date:
    """The last day of *years* years from *start* (2026-03-15, 1 → 2027-03-14; a 29 February ends on 28 February)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February: the anniversary falls on 1 March
        anniversary = dt.date(start.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def operation_errors(operation: WasteOperation, valid_from: dt.date, valid_to: dt.date, categories: Sequence[str],
                     codes: Sequence[str]) -> dict[str, list[str]]:
    """Field → why a 危险废物经营许可证 of *operation* may not have this validity or waste scope (Art. 3, 13)."""
    errors: dict[str, list[str]] = {}
    last = last_valid_day(valid_from, VALID_YEARS[operation])
    if valid_to > last:
        errors["valid_to"] = [Text("a {operation} permit is valid {years} years at most: {last} at the latest",
                                   operation=operation, years=VALID_YEARS[operation], last=last)]
    if operation is WasteOperation.COLLECTION:
        if categories:
            errors["waste_categories"] = [Text("a collection permit names codes, not categories: {codes}",
                                               codes=", ".join(COLLECTION_CODES))]
        if outside := [code for code in codes if code not in COLLECTION_CODES]:
            errors["waste_codes"] = [Text("a collection permit covers only {codes}, not {outside}",
                                          codes=", ".join(COLLECTION_CODES), outside=", ".join(outside))]
    return errors


def covers(permit: Permit, profile: WasteBatch) -> bool:
    return profile.category in permit.waste_categories or profile.code in permit.waste_codes


def valid_waste_permits(session: Session, holder_id: uuid.UUID, on: dt.date) -> list[Permit]:
    """The holder's hazardous-waste permits valid and unrevoked on day *on*, by number."""
    return [p for p in session.scalars(select(Permit).where(
        Permit.holder_id == holder_id, Permit.kind == PermitKind.HAZARDOUS_WASTE).order_by(Permit.number))
        if not p.revoked and p.valid_from <= on <= p.valid_to]


def scope_errors(session: Session, disposer_id: uuid.UUID, wastes: Sequence[tuple[str, WasteBatch]], method: str,
                 on: dt.date) -> dict[str, list[str]]:
    """Field → reasons why the disposer may not accept *wastes* (field, profile) by *method* on day *on*.

    Empty when it may. The fields are ``disposer_id`` (no valid permit at all), each waste's own field (not
    in any valid permit's scope) and ``disposal_method`` (in scope, but not by this method).
    """
    permits = valid_waste_permits(session, disposer_id, on)
    if not permits:
        return {"disposer_id": [f"holds no valid, unrevoked hazardous_waste_operation permit on {on}"]}
    errors: dict[str, list[str]] = {}
    for field, profile in wastes:
        covering = [p for p in permits if covers(p, profile)]
        if not covering:
            numbers = ", ".join(p.number for p in permits)
            errors[field] = [Text("{category} {code} is outside the waste scope of permit(s) {numbers}",
                                  category=profile.category, code=profile.code, numbers=numbers)]
        elif not any(method in p.disposal_methods for p in covering):
            errors.setdefault("disposal_method", []).append(
                Text("permit(s) {numbers} do not permit {method} for {code}",
                     numbers=", ".join(p.number for p in covering), method=method, code=profile.code))
    return errors
