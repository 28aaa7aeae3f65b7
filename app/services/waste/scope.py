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
from models import Permit, PermitKind, WasteBatch


def covers(permit: Permit, profile: WasteBatch) -> bool:
    return profile.category in permit.waste_categories or profile.code in permit.waste_codes


def scope_errors(session: Session, disposer_id: uuid.UUID, wastes: Sequence[tuple[str, WasteBatch]], method: str,
                 on: dt.date) -> dict[str, list[str]]:
    """Field → reasons why the disposer may not accept *wastes* (field, profile) by *method* on day *on*.

    Empty when it may. The fields are ``disposer_id`` (no valid permit at all), each waste's own field (not
    in any valid permit's scope) and ``disposal_method`` (in scope, but not by this method).
    """
    permits = [p for p in session.scalars(select(Permit).where(
        Permit.holder_id == disposer_id, Permit.kind == PermitKind.HAZARDOUS_WASTE).order_by(Permit.number))
        if not p.revoked and p.valid_from <= on <= p.valid_to]
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
