"""``/api/v1/movements``: ledger entries, posted by kind and listed with filters."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import or_

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.movements.schemas import EntryOut, MovementBatchIn, MovementIn, MovementQuery, PostingOut
from app.api.transfers.schemas import TransferOut
from app.auth import allow, current_user
from app.extensions import db
from app.services.ledger.movements import post_movements, submit_movement
from app.services.ledger.queries import acting_for, visible_entries
from models import Batch, EntryKind, LedgerEntry, PendingTransfer, Role

blp = Blueprint("movements", __name__, description="Ledger entries: every movement of a batch between accounts")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)


@blp.route("")
class Movements(MethodView):
    @allow(*READERS)
    @query_arguments(blp, MovementQuery)
    @blp.response(200, EntryOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[LedgerEntry]:
        """Entries the caller may see, in chain order, filtered by batch, account, kind and time."""
        stmt = visible_entries(current_user())
        if "batch" in query:
            stmt = stmt.join(Batch, Batch.id == LedgerEntry.batch_id).where(Batch.code == query["batch"])
        if "account_id" in query:
            stmt = stmt.where(or_(LedgerEntry.from_account_id == query["account_id"],
                                  LedgerEntry.to_account_id == query["account_id"]))
        if "kind" in query:
            stmt = stmt.where(LedgerEntry.kind == EntryKind(query["kind"]))
        if "since" in query:
            stmt = stmt.where(LedgerEntry.occurred_at >= query["since"])
        if "until" in query:
            stmt = stmt.where(LedgerEntry.occurred_at < query["until"])
        return page_of(db.session, stmt, pagination_parameters)

    @allow(Role.ADMIN, Role.ENTERPRISE)
    @blp.arguments(MovementIn)
    @blp.response(201, PostingOut)
    @blp.alt_response(202, schema=TransferOut, success=True,
                      description="A transfer into another enterprise's site: offered, not posted (see /transfers)")
    def post(self, data: dict[str, Any]) -> dict[str, Any] | Response:
        """Post a movement for the caller's enterprise; nothing is written unless all of it is valid.

        Each kind needs its own fields (a 422 names those missing): produce/receive: code, chemical_id,
        site_id, quantity; generate_waste: the same and waste_code, waste_characteristics (waste_category
        optional); transfer: batch, from_site_id, to_site_id, quantity; load: batch, from_site_id, carrier_id,
        transit_ref, quantity; unload: batch, transit_ref, to_site_id, quantity; consume/dispose/loss: batch,
        site_id, quantity; adjust: batch, site_id, counted; transform/split: site_id, inputs, outputs (a waste
        output: waste true and its waste_code, waste_characteristics); reversal: reverses.

        A batch code that lots of several producers the caller knows share (none of them its own) names the
        producer beside it: ``producer`` (each input: ``inputs.N.producer``), the enterprise's id or its USCC;
        without it, 409 ``ambiguous_batch`` names that field and lists the producers (docs/isolation.md).

        A transfer into another enterprise's site is not posted: it is offered to that enterprise (202, the
        pending transfer, ``Location`` its URL) and posted when it accepts (``POST /transfers/{id}/accept``).
        A load goes onto a waybill in transit only, and an unload into the carrier's own site only (the
        consignee's site is reached by the waybill's arrival).
        """
        actor = acting_for(current_user(), data.pop("enterprise_id", None))
        posted = submit_movement(db.session, actor, data)
        if isinstance(posted, PendingTransfer):
            response = jsonify(TransferOut().dump(posted))
            response.status_code = 202
            response.headers["Location"] = url_for("transfers.Transfer", transfer_id=posted.id)
            return response
        return {"entries": posted}


@blp.route("/batch")
class MovementBatch(MethodView):
    @allow(Role.ADMIN, Role.ENTERPRISE)
    @blp.arguments(MovementBatchIn)
    @blp.response(201, PostingOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post up to 1,000 movements in order, in one transaction: all of them, or none.

        Each item is a movement as for ``POST /movements`` (without ``enterprise_id``, which the batch names
        once) and sees the items before it. The first item that fails rolls the whole batch back; its error
        paths name it (``items.3.quantity``). The entries come back in chain order.
        """
        actor = acting_for(current_user(), data.get("enterprise_id"))
        return {"entries": post_movements(db.session, actor, data["items"])}
