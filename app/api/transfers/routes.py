"""``/api/v1/transfers``: stock offered into another enterprise's site, posted only when it accepts."""
from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.transfers.schemas import AcceptIn, CancelIn, RefuseIn, TransferIn, TransferOut, TransferQuery
from app.auth import allow, current_user
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import N_
from app.services.ledger import movements, transfers
from app.services.ledger.queries import acting_for
from models import PendingTransfer, Role, TransferStatus

blp = Blueprint("transfers", __name__,
                description="Transfers into another enterprise's site: the receiver accepts (posted) or refuses")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
PARTIES = (Role.ADMIN, Role.ENTERPRISE)


@blp.route("")
class Transfers(MethodView):
    @allow(*READERS)
    @query_arguments(blp, TransferQuery)
    @blp.response(200, TransferOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[PendingTransfer]:
        """The transfers the caller sent or received (all, for the authorities), newest first."""
        user = current_user()
        stmt = transfers.visible_transfers(user)
        if "status" in query:
            stmt = stmt.where(PendingTransfer.status == TransferStatus(query["status"]))
        if "direction" in query:
            if user.enterprise_id is None:
                raise ValidationFailed("Only an enterprise has incoming and outgoing transfers.",
                                       errors={"direction": [N_("for enterprise users only")]})
            party = PendingTransfer.receiver_id if query["direction"] == "incoming" else PendingTransfer.sender_id
            stmt = stmt.where(party == user.enterprise_id)
        return page_of(db.session, stmt, pagination_parameters)

    @allow(*PARTIES)
    @blp.arguments(TransferIn)
    @blp.response(201, TransferOut)
    def post(self, data: dict[str, Any]) -> PendingTransfer:
        """Offer stock at one of the caller's sites to another enterprise's site; nothing is posted until the
        receiver accepts. The sender's site, permit and balance are checked now; the receiver's permit and the
        balance again at acceptance."""
        return movements.offer_transfer(db.session, acting_for(current_user(), data.get("enterprise_id")), data)


@blp.route("/<uuid:transfer_id>")
class Transfer(MethodView):
    @allow(*READERS)
    @blp.response(200, TransferOut)
    def get(self, transfer_id: uuid.UUID) -> PendingTransfer:
        """One transfer (404 unless the caller's enterprise sent or received it)."""
        return transfers.get_transfer(db.session, current_user(), transfer_id)


@blp.route("/<uuid:transfer_id>/accept")
class Accept(MethodView):
    @allow(*PARTIES)
    @blp.arguments(AcceptIn)
    @blp.response(200, TransferOut)
    def post(self, data: dict[str, Any], transfer_id: uuid.UUID) -> PendingTransfer:
        """The receiver accepts: its permit and the sender's balance are checked, and the entry is posted."""
        return transfers.accept(db.session, current_user(), transfer_id, data.get("occurred_at"))


@blp.route("/<uuid:transfer_id>/refuse")
class Refuse(MethodView):
    @allow(*PARTIES)
    @blp.arguments(RefuseIn)
    @blp.response(200, TransferOut)
    def post(self, data: dict[str, Any], transfer_id: uuid.UUID) -> PendingTransfer:
        """The receiver refuses, with a reason: nothing is posted."""
        return transfers.refuse(db.session, current_user(), transfer_id, data["reason"])


@blp.route("/<uuid:transfer_id>/cancel")
class Cancel(MethodView):
    @allow(*PARTIES)
    @blp.arguments(CancelIn)
    @blp.response(200, TransferOut)
    def post(self, data: dict[str, Any], transfer_id: uuid.UUID) -> PendingTransfer:
        """The sender withdraws its offer while it is pending: nothing is posted."""
        return transfers.cancel(db.session, current_user(), transfer_id, data.get("reason"))
