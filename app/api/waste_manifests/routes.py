"""``/api/v1/waste-manifests``: hazardous waste transfer manifests (转移联单), generator to disposer."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.waste_manifests import schemas as s
from app.auth import allow, current_user
from app.extensions import db
from app.services.waste import manifests as service
from models import Batch, Role, User, WasteManifest, WasteManifestLine
from models.types import utcnow

blp = Blueprint("waste_manifests", __name__, url_prefix="waste-manifests",
                description="Hazardous waste transfer manifests: generator, carrier, disposer, waybill, disposal")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
#: The parties act (each only in its own part, see the service); an administrator may act for any of them.
FIRMS = (Role.ADMIN, Role.ENTERPRISE)


@blp.route("")
class Manifests(MethodView):
    @allow(*READERS)
    @query_arguments(blp, s.ManifestQuery)
    @blp.response(200, s.ManifestOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[WasteManifest]:
        """The manifests the caller may see, newest first: all for the authorities, its own for a party."""
        stmt = service.visible_manifests(current_user())
        if "status" in query:
            stmt = stmt.where(WasteManifest.status == query["status"])
        if "batch" in query:
            stmt = stmt.where(WasteManifest.id.in_(select(WasteManifestLine.manifest_id).join(Batch).where(
                Batch.code == query["batch"])))
        return page_of(db.session, stmt, pagination_parameters)

    @allow(*FIRMS)
    @blp.arguments(s.ManifestIn)
    @blp.response(201, s.ManifestOut)
    def post(self, data: dict[str, Any]) -> WasteManifest:
        """Open a manifest for the generator's waste; refused (422, naming the field) unless the disposer's
        hazardous-waste permit covers every waste's category or code and the disposal method."""
        return service.create(db.session, current_user(), data)


@blp.route("/<uuid:manifest_id>")
class ManifestById(MethodView):
    @allow(*READERS)
    @blp.response(200, s.ManifestOut)
    def get(self, manifest_id: uuid.UUID) -> WasteManifest:
        """One manifest with its lines and status history (404 for a manifest the caller is no party to)."""
        return service.get_manifest(db.session, current_user(), manifest_id)


def _action(path: str, schema: type, run: Callable[[User, uuid.UUID, dict[str, Any]], WasteManifest],
            summary: str) -> None:
    """Register ``POST /<id>/<path>``: one step of the manifest, its body schema."""

    @allow(*FIRMS)
    @blp.arguments(schema)
    @blp.response(200, s.ManifestOut)
    def view(data: dict[str, Any], manifest_id: uuid.UUID) -> WasteManifest:
        return run(current_user(), manifest_id, data)

    view.__doc__ = summary
    view.__name__ = f"manifest_{path.replace('-', '_')}"
    blp.route(f"/<uuid:manifest_id>/{path}", methods=["POST"], endpoint=view.__name__)(view)


_action("waybill", s.WaybillLinkIn, lambda user, mid, d: service.link_waybill(db.session, user, mid, d["waybill_id"]),
        "Link the e-waybill that carries the waste (the generator, before departure).")
_action("carrier-check", s.CarrierCheckIn, lambda user, mid, d: service.carrier_check(
    db.session, user, mid, matches=d["matches"], note=d.get("note"), at=d.get("occurred_at") or utcnow()),
    "The carrier's check of the waste against the manifest before carriage (危险废物转移管理办法): as stated, "
    "or not (carriage refused, the manifest rejected).")
_action("receive", s.ManifestStepIn, lambda user, mid, d: service.receive(
    db.session, user, mid, d.get("occurred_at") or utcnow()),
    "Confirm receipt of what the waybill delivered (the disposer); its permit scope is checked again.")
_action("dispose", s.ManifestStepIn, lambda user, mid, d: service.dispose(
    db.session, user, mid, d.get("occurred_at") or utcnow()),
    "Dispose of what was received (the disposer): posts the dispose entries under the manifest's number.")
_action("reject", s.RejectIn, lambda user, mid, d: service.reject(db.session, user, mid, d["reason"]),
        "Refuse the transfer before receiving it (the disposer), with a reason.")
