"""``/api/v1/corridors`` and ``/api/v1/zones``: the same resource shape over two record kinds."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.corridors.schemas import ActiveIn, CorridorIn, CorridorOut, RecordQuery, ZoneIn, ZoneOut
from app.auth import allow
from app.extensions import db
from app.services import corridors as service
from models import Role
from models.corridors import Corridor, Zone


def _blueprint(name: str, model: type[Corridor] | type[Zone], schema_in: type[ma.Schema],
               schema_out: type[ma.Schema], register: Callable[[Session, dict[str, Any]], Any],
               description: str) -> Blueprint:
    """Everyone reads; administrators register and (de)activate. Geometry never changes: draw a new record."""
    blp = Blueprint(name, __name__, description=description)

    @blp.route("")
    class Records(MethodView):
        @allow(*Role)
        @query_arguments(blp, RecordQuery)
        @blp.response(200, schema_out(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Any]:
            stmt = select(model).order_by(model.name)
            if "active" in query:
                stmt = stmt.where(model.active == query["active"])
            if "q" in query:
                stmt = stmt.where(model.name.contains(query["q"], autoescape=True))
            return page_of(db.session, stmt, pagination_parameters)

        @allow(Role.ADMIN)
        @blp.arguments(schema_in)
        @blp.response(201, schema_out)
        def post(self, data: dict[str, Any]) -> Any:
            return register(db.session, data)

    @blp.route("/<uuid:record_id>")
    class RecordById(MethodView):
        @allow(*Role)
        @blp.response(200, schema_out)
        def get(self, record_id: uuid.UUID) -> Any:
            return service.get_record(db.session, model, record_id)

        @allow(Role.ADMIN)
        @blp.arguments(ActiveIn)
        @blp.response(200, schema_out)
        def patch(self, data: dict[str, Any], record_id: uuid.UUID) -> Any:
            record = service.get_record(db.session, model, record_id)
            return service.set_active(db.session, record, data["active"])

    return blp


corridors = _blueprint("corridors", Corridor, CorridorIn, CorridorOut, service.register_corridor,
                       "Corridors the authority permits for hazardous-goods vehicles")
zones = _blueprint("zones", Zone, ZoneIn, ZoneOut, service.register_zone,
                   "Forbidden zones (no entry, no stop), with time windows")
