"""The routes every registry resource has, built once from its :class:`~app.services.registry.Registry`.

``GET ""`` (paged, filtered), ``POST ""``, ``GET /{id}``, ``PATCH /{id}`` and ``POST /{id}/deactivate`` (or
``/revoke``). Nothing is ever deleted: ledger entries and waybills refer to these records.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api._query import query_arguments
from app.auth import allow, current_user
from app.extensions import db
from app.services import registry
from app.services.registry import Registry
from models import Role

#: Everyone reads the registry; an enterprise user sees only its own records (the registry's scope).
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
ADMIN_ONLY = (Role.ADMIN,)
#: Sites, vehicles and crews are kept by the enterprise itself (and by administrators).
OWNERS = (Role.ADMIN, Role.ENTERPRISE)


@dataclass(frozen=True)
class Resource:
    reg: Registry[Any]
    schema_in: type[ma.Schema]
    schema_out: type[ma.Schema]
    query: type[ma.Schema]
    writers: tuple[Role, ...] = ADMIN_ONLY
    retire_path: str = "deactivate"


def add_registry_routes(blp: Blueprint, res: Resource) -> None:
    """Register the standard routes of *res* on *blp*."""
    reg, label = res.reg, res.reg.label
    # The owner never changes after registration: a record moves by being retired and registered anew.
    # A subclass of its own, so the OpenAPI document names the partial schema apart from the full one.
    patch_class = type(f"{res.schema_in.__name__}Patch", (res.schema_in,), {})
    patch_schema = patch_class(partial=True, exclude=(reg.owner_field,) if reg.owner_field else ())

    @blp.route("")
    class Collection(MethodView):
        @allow(*READERS)
        @query_arguments(blp, res.query)
        @blp.response(200, res.schema_out(many=True))
        @blp.paginate()
        @blp.doc(summary=f"List the {label} records the caller may see")
        def get(self, filters: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Any]:
            return page_of(db.session, registry.visible(reg, current_user(), filters), pagination_parameters)

        @allow(*res.writers)
        @blp.arguments(res.schema_in)
        @blp.response(201, res.schema_out)
        @blp.doc(summary=f"Register a {label}")
        def post(self, data: dict[str, Any]) -> Any:
            return registry.create(db.session, reg, data, user=current_user())

    @blp.route("/<uuid:record_id>")
    class Item(MethodView):
        @allow(*READERS)
        @blp.response(200, res.schema_out)
        @blp.doc(summary=f"One {label} (404 for another enterprise's)")
        def get(self, record_id: uuid.UUID) -> Any:
            return registry.get(db.session, reg, current_user(), record_id)

        @allow(*res.writers)
        @blp.arguments(patch_schema)
        @blp.response(200, res.schema_out)
        @blp.doc(summary=f"Change some fields of a {label}")
        def patch(self, changes: dict[str, Any], record_id: uuid.UUID) -> Any:
            return registry.update(db.session, reg, current_user(), record_id, changes)

    @blp.route(f"/<uuid:record_id>/{res.retire_path}")
    class Retire(MethodView):
        @allow(*res.writers)
        @blp.response(200, res.schema_out)
        @blp.doc(summary=f"{res.retire_path.capitalize()} a {label} (records are never deleted)")
        def post(self, record_id: uuid.UUID) -> Any:
            return registry.retire(db.session, reg, current_user(), record_id)
