"""``/api/v1/batches``: batches, their holdings, and their whole chain (trace, EPCIS)."""
from __future__ import annotations

from typing import Any

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.batches.schemas import AsOfQuery, BatchDetailOut, BatchIn, BatchOut, BatchQuery, TraceQuery
from app.auth import allow, current_user
from app.extensions import db
from app.services.ledger.epcis import as_epcis
from app.services.ledger.movements import post_movement
from app.services.ledger.queries import acting_for, get_batch, stock, visible_batches
from app.services.ledger.trace import as_json, trace
from models import Batch, Role

blp = Blueprint("batches", __name__, description="Batches (lots) of hazardous chemicals")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
AUTHORITIES = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)


@blp.route("")
class Batches(MethodView):
    @allow(*READERS)
    @query_arguments(blp, BatchQuery)
    @blp.response(200, BatchOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Batch]:
        """Batches the caller may see: all for authorities; produced, held or once held for an enterprise."""
        stmt = visible_batches(current_user())
        if "chemical_id" in query:
            stmt = stmt.where(Batch.chemical_id == query["chemical_id"])
        if "producer_id" in query:
            stmt = stmt.where(Batch.producer_id == query["producer_id"])
        if "code_prefix" in query:
            stmt = stmt.where(Batch.code.startswith(query["code_prefix"], autoescape=True))
        return page_of(db.session, stmt, pagination_parameters)

    @allow(Role.ADMIN, Role.ENTERPRISE)
    @blp.arguments(BatchIn)
    @blp.response(201, BatchOut)
    def post(self, data: dict[str, Any]) -> Batch:
        """Produce a batch at one of the acting enterprise's sites (a ``produce`` movement)."""
        actor = acting_for(current_user(), data.pop("enterprise_id", None))
        entries = post_movement(db.session, actor, {**data, "kind": "produce", "occurred_at": data["produced_at"]})
        return entries[0].batch


@blp.route("/<string:code>")
class BatchByCode(MethodView):
    @allow(*READERS)
    @query_arguments(blp, AsOfQuery)
    @blp.response(200, BatchDetailOut)
    def get(self, query: dict[str, Any], code: str) -> dict[str, Any]:
        """One batch and its stock balances (an enterprise user sees only its own accounts' balances)."""
        user = current_user()
        batch = get_batch(db.session, user, code, query.get("producer"))
        holdings = stock(db.session, [batch.id], as_of=query.get("as_of"),
                         enterprise_id=user.enterprise_id if user.role is Role.ENTERPRISE else None)
        return {"batch": batch, "holdings": holdings}


@blp.route("/<string:code>/trace")
class BatchTrace(MethodView):
    @allow(*AUTHORITIES)
    @query_arguments(blp, TraceQuery)
    @blp.response(200)
    def get(self, query: dict[str, Any], code: str) -> Response:
        """The batch's chain up and/or down: batches, entries, documents, reconciliation; or EPCIS 2.0."""
        result = trace(db.session, code, query["direction"], query.get("producer"))
        if query["format"] == "epcis":
            return Response(json.dumps(as_epcis(result), ensure_ascii=False), mimetype="application/ld+json")
        return Response(json.dumps(as_json(result), ensure_ascii=False), mimetype="application/json")
