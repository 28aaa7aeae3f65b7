"""``/api/v1/waybills`` and the status actions on one waybill."""
from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._query import query_arguments
from app.api.waybills import schemas as s
from app.auth import allow, current_user
from app.errors import Conflict, PreconditionFailed, ValidationFailed
from app.extensions import db
from app.i18n import N_, Text
from app.services.waybills import listing, service
from models import Role
from models.types import utcnow
from models.waybills import Waybill, WaybillStatus

blp = Blueprint("waybills", __name__, description="Electronic waybills for road transport of dangerous goods")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
FIRMS = (Role.ADMIN, Role.ENTERPRISE)
AUTHORITY = (Role.ADMIN, Role.SUPERVISOR)


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 100:
        raise ValidationFailed("Idempotency-Key must be 1 to 100 characters.",
                               errors={"Idempotency-Key": [N_("1 to 100 characters")]})
    return key


ETAG_HEADER = {"ETag": {"description": "the row version; send it back as If-Match to change the waybill",
                        "schema": {"type": "string"}}}


def etag(waybill: Waybill) -> dict[str, str]:
    """The ``ETag`` header of *waybill* as it is now: its row version, which every change bumps."""
    return {"ETag": f'"{waybill.row_version}"'}


def seen_version(data: dict[str, Any]) -> tuple[int | None, bool]:
    """The row version a state-changing request acts on, and whether it came as ``If-Match``.

    One rule for every action (PATCH and each ``POST /{id}/<action>``): send the ETag of the waybill as read in
    ``If-Match``, or its ``row_version`` in the body; a stale one is refused (412 for ``If-Match``, as HTTP has
    it; 409 ``stale_version`` for the body) and nothing changes. Sent both ways, they must agree.
    """
    body = data.pop("row_version", None)
    header = request.headers.get("If-Match")
    if header is None:
        return body, False
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise ValidationFailed("If-Match must be an ETag this API gave, like \"3\".", errors={"If-Match": [
            N_("a quoted row version, as in the ETag header")]})
    if body is not None and body != int(tag):
        raise ValidationFailed("If-Match and row_version disagree.", errors={"row_version": [
            Text("If-Match says {tag}", tag=tag)]})
    return int(tag), True


def _checked(change: Any, data: dict[str, Any]) -> tuple[Waybill, dict[str, str]]:
    """Run *change* with the row version the request acts on; the changed waybill with its new ETag."""
    seen, by_header = seen_version(data)
    try:
        waybill = change(seen)
    except Conflict as error:
        if by_header and error.code == "stale_version":
            raise PreconditionFailed(error.detail, code="stale_version") from None
        raise
    return waybill, etag(waybill)


@blp.route("")
class Waybills(MethodView):
    @allow(*READERS)
    @query_arguments(blp, s.WaybillQuery)
    @blp.response(200, s.WaybillSummaryOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Waybill]:
        """Waybills the caller may see, newest first."""
        if "status" in query and query["status"] not in set(WaybillStatus):
            raise ValidationFailed("Unknown status.", errors={"status": [Text("one of {names}",
                                                                              names=" | ".join(WaybillStatus))]})
        total, rows = listing.list_waybills(
            db.session, current_user(), status=query.get("status"), number=query.get("number"),
            party=query.get("party"), offset=pagination_parameters.first_item, limit=pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return rows

    @allow(*FIRMS)
    @blp.arguments(s.WaybillIn)
    @blp.response(201, s.WaybillOut)
    def post(self, data: dict[str, Any]) -> Waybill:
        """Open a draft as shipper. Send an Idempotency-Key to make retries safe."""
        return service.create_draft(db.session, current_user(), data, key=_idempotency_key())


@blp.route("/<uuid:waybill_id>")
class WaybillById(MethodView):
    @allow(*READERS)
    @blp.response(200, s.WaybillOut, headers=ETAG_HEADER)
    def get(self, waybill_id: uuid.UUID) -> tuple[Waybill, dict[str, str]]:
        """One waybill with every version and its status history."""
        waybill = service.get_waybill(db.session, current_user(), waybill_id)
        return waybill, etag(waybill)

    @allow(*FIRMS)
    @blp.arguments(s.WaybillPatch)
    @blp.response(200, s.WaybillOut, headers=ETAG_HEADER)
    def patch(self, data: dict[str, Any], waybill_id: uuid.UUID) -> tuple[Waybill, dict[str, str]]:
        """Edit a draft; after approval, a correction (a new version that needs approval again).
        ``If-Match`` or ``row_version``: see the actions."""
        return _checked(lambda seen: service.update(db.session, current_user(), waybill_id,
                                                    {**data, "row_version": seen}), data)


def _action(path: str, roles: tuple[Role, ...], schema: type, run: Any, summary: str) -> None:
    """Register ``POST /<id>/<path>``: one status action, its body schema and who may call it."""

    @allow(*roles)
    @blp.arguments(schema())  # an instance: from a class, webargs builds one on every request
    @blp.response(200, s.WaybillOut, headers=ETAG_HEADER)
    def view(data: dict[str, Any], waybill_id: uuid.UUID) -> tuple[Waybill, dict[str, str]]:
        return _checked(lambda seen: run(current_user(), waybill_id, data, seen), data)

    view.__doc__ = summary + CONCURRENCY
    view.__name__ = f"waybill_{path}"
    blp.route(f"/<uuid:waybill_id>/{path}", methods=["POST"], endpoint=f"waybill_{path}")(view)


CONCURRENCY = ("\n\nSend the waybill's ETag as `If-Match` (or its `row_version` in the body) to act only on the "
               "waybill as you read it: a stale one is 412 (409 `stale_version` for the body) and changes nothing.")

_action("submit", FIRMS, s.SubmitIn, lambda user, wid, d, seen: service.submit(
    db.session, user, wid, row_version=seen, key=_idempotency_key()),
    "Submit (the carrier, or the shipper drafting for it): every check runs and every error comes back at once, "
    "tied to its field; the waybill is issued, or awaits its pass when its cargo or corridor needs one.")
_action("approve", AUTHORITY, s.ApproveIn, lambda user, wid, d, seen: service.grant_pass(
    db.session, user, wid, pass_number=d.get("pass_number"), reason=d.get("reason"), corridor_id=d.get("corridor_id"),
    row_version=seen),
    "Grant the pass (通行证) a waybill awaits (public-security supervisors): it is issued and may depart. Ordinary "
    "waybills need no approval: they are issued when submitted (Order 29 Art. 24).")
_action("reject", AUTHORITY, s.ReasonIn, lambda user, wid, d, seen: service.reject(
    db.session, user, wid, reason=d["reason"], row_version=seen),
    "Flag an issued waybill, or refuse a pass, with a reason (supervisors): back to its maker for correction.")
_action("cancel", FIRMS, s.ReasonIn, lambda user, wid, d, seen: service.cancel(
    db.session, user, wid, d["reason"], row_version=seen),
        "Cancel before departure (the carrier or the shipper).")
_action("depart", FIRMS, s.DepartIn, lambda user, wid, d, seen: service.depart(
    db.session, user, wid, d.get("at") or utcnow(), row_version=seen), "Depart (the carrier): posts the load entries.")
_action("arrive", FIRMS, s.ArriveIn, lambda user, wid, d, seen: service.arrive(
    db.session, user, wid, d.get("at") or utcnow(), d["delivered"], row_version=seen),
    "Arrive (the carrier): posts the unload entries and any shortfall as loss.")
_action("close", FIRMS, s.EmptyIn, lambda user, wid, d, seen: service.close(
    db.session, user, wid, row_version=seen),
        "Close after delivery (the consignee).")
