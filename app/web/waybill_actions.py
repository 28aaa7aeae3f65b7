"""The status actions on one waybill as page forms (the routes are in :mod:`app.web.waybills`): the carrier
departs and arrives, the carrier or shipper cancels, the consignee closes, public security grants or refuses a
pass.

Each action is the API's (``POST /api/v1/waybills/{id}/<action>``): the same roles, the same body schema, the
same service function, so the same checks; its field errors are shown beside the action's fields on the
waybill's page. The form carries the ``row_version`` the page showed: an action on a waybill that changed since
is refused (stale), as through the API.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from app.api.waybills import schemas as s
from app.api.waybills.routes import AUTHORITY, FIRMS
from app.errors import DomainError
from app.extensions import db
from app.services.waybills import service
from app.services.waybills.passes import check_grantor
from app.web.forms import aware, text
from models import Role, User, Waybill, WaybillStatus as S
from models.types import utcnow

Run = Callable[[User, uuid.UUID, dict[str, Any], "int | None"], Waybill]


@dataclass(frozen=True)
class Action:
    """One status action: who may call it (the API's roles), its body schema, the service call, the party of
    the waybill that acts (``None``: the authority), the statuses it is offered in, and the message after it."""

    name: str
    roles: tuple[Role, ...]
    schema: type
    run: Run
    parties: tuple[str, ...] | None
    offered_in: frozenset[S]
    done: str


def _delivered(form: MultiDict[str, str]) -> dict[str, str]:
    """The ``delivered.<line>`` inputs as the API's ``delivered`` map (line number → kg); empty ones left out."""
    return {key.split(".", 1)[1]: value.strip() for key, value in form.items()
            if key.startswith("delivered.") and value.strip()}


ACTIONS = {action.name: action for action in (
    Action("depart", FIRMS, s.DepartIn, lambda user, wid, d, seen: service.depart(
        db.session, user, wid, d.get("at") or utcnow(), row_version=seen),
        ("carrier",), frozenset({S.ISSUED}), "Waybill {number} departed: the load entries are posted."),
    Action("arrive", FIRMS, s.ArriveIn, lambda user, wid, d, seen: service.arrive(
        db.session, user, wid, d.get("at") or utcnow(), d["delivered"], row_version=seen),
        ("carrier",), frozenset({S.IN_TRANSIT}), "Waybill {number} arrived: the unload entries are posted."),
    Action("cancel", FIRMS, s.ReasonIn, lambda user, wid, d, seen: service.cancel(
        db.session, user, wid, d["reason"], row_version=seen),
        service.MAKERS, frozenset({S.DRAFT, S.AWAITING_PASS, S.ISSUED}), "Waybill {number} cancelled."),
    Action("close", FIRMS, s.EmptyIn, lambda user, wid, d, seen: service.close(
        db.session, user, wid, row_version=seen),
        ("consignee",), frozenset({S.DELIVERED}), "Waybill {number} closed: receipt confirmed."),
    Action("approve", AUTHORITY, s.ApproveIn, lambda user, wid, d, seen: service.grant_pass(
        db.session, user, wid, pass_number=d.get("pass_number"), reason=d.get("reason"),
        corridor_id=d.get("corridor_id"), row_version=seen),
        None, frozenset({S.AWAITING_PASS}), "Pass granted: waybill {number} is issued and may depart."),
    Action("reject", AUTHORITY, s.ReasonIn, lambda user, wid, d, seen: service.reject(
        db.session, user, wid, reason=d["reason"], row_version=seen),
        None, frozenset({S.AWAITING_PASS, S.ISSUED}), "Waybill {number} sent back to its maker."),
)}


def _may(user: User, action: Action, waybill: Waybill) -> bool:
    """Whether the page offers *action* to *user* (the service decides again when it is sent)."""
    if user.role not in action.roles or waybill.status not in action.offered_in:
        return False
    if action.parties is None:
        if action.name != "approve":
            return True
        try:
            check_grantor(user)
        except DomainError:
            return False
        return True
    return user.role is Role.ADMIN or user.enterprise_id in {getattr(waybill, f"{p}_id") for p in action.parties}


def offered(user: User, waybill: Waybill) -> list[str]:
    """The actions the waybill's page offers *user* now, in the order of the trip."""
    return [name for name, action in ACTIONS.items() if _may(user, action, waybill)]


def form_values(action: Action) -> dict[str, Any]:
    """The form's values as the API's body for *action* (only the fields its schema has)."""
    fields = action.schema().fields
    values: dict[str, Any] = {name: text(request.form, name) for name in fields
                              if name not in ("delivered", "row_version")}
    if "at" in values:
        values["at"] = aware(values["at"])
    if "delivered" in fields:
        values["delivered"] = _delivered(request.form)
    return {name: value for name, value in values.items() if value is not None}
