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
from app.errors import ValidationFailed
from app.extensions import db
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
                               errors={"Idempotency-Key": ["1 to 100 characters"]})
    return key


@blp.route("")
class Waybills(MethodView):
    @allow(*READERS)
    @query_arguments(blp, s.WaybillQuery)
    @blp.response(200, s.WaybillSummaryOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Waybill]:
        """Waybills the caller may see, newest first."""
        if "status" in query and query["status"] not in set(WaybillStatus):
            raise ValidationFailed("Unknown status.", errors={"status": [f"one of {', '.join(WaybillStatus)}"]})
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
    @blp.response(200, s.WaybillOut)
    def get(self, waybill_id: uuid.UUID) -> Waybill:
        """One waybill with every version and its status history."""
        return service.get_waybill(db.session, current_user(), waybill_id)

    @allow(*FIRMS)
    @blp.arguments(s.WaybillPatch)
    @blp.response(200, s.WaybillOut)
    def patch(self, data: dict[str, Any], waybill_id: uuid.UUID) -> Waybill:
        """Edit a draft; after approval, a correction (a new version that needs approval again)."""
        return service.update(db.session, current_user(), waybill_id, data)


def _action(path: str, roles: tuple[Role, ...], schema: type, run: Any, summary: str) -> None:
    """Register ``POST /<id>/<path>``: one status action, its body schema and who may call it."""

    @allow(*roles)
    @blp.arguments(schema())  # an instance: from a class, webargs builds one on every request
    @blp.response(200, s.WaybillOut)
    def view(data: dict[str, Any], waybill_id: uuid.UUID) -> Waybill:
        return run(current_user(), waybill_id, data)

    view.__doc__ = summary
    view.__name__ = f"waybill_{path}"
    blp.route(f"/<uuid:waybill_id>/{path}", methods=["POST"], endpoint=f"waybill_{path}")(view)


_action("submit", FIRMS, s.SubmitIn, lambda user, wid, d: service.submit(
    db.session, user, wid, row_version=d["row_version"], key=_idempotency_key()),
    "Submit for approval: every check runs and every error comes back at once, tied to its field.")
_action("approve", AUTHORITY, s.ApproveIn, lambda user, wid, d: service.decide(
    db.session, user, wid, approve=True, reason=d.get("reason"), corridor_id=d.get("corridor_id")),
    "Approve (supervisors), optionally attaching the permitted corridor.")
_action("reject", AUTHORITY, s.ReasonIn, lambda user, wid, d: service.decide(
    db.session, user, wid, approve=False, reason=d["reason"]), "Reject with a reason (supervisors).")
_action("cancel", FIRMS, s.ReasonIn, lambda user, wid, d: service.cancel(db.session, user, wid, d["reason"]),
        "Cancel before departure (the shipper).")
_action("depart", FIRMS, s.DepartIn, lambda user, wid, d: service.depart(
    db.session, user, wid, d.get("at") or utcnow()), "Depart (the carrier): posts the load entries.")
_action("arrive", FIRMS, s.ArriveIn, lambda user, wid, d: service.arrive(
    db.session, user, wid, d.get("at") or utcnow(), d["delivered"]),
    "Arrive (the carrier): posts the unload entries and any shortfall as loss.")
_action("close", FIRMS, s.EmptyIn, lambda user, wid, d: service.close(db.session, user, wid),
        "Close after delivery (the consignee).")
