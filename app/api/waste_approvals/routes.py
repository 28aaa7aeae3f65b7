"""``/api/v1/waste-transfer-approvals``: the approvals of cross-province transfers of hazardous waste, recorded by
the ecology department (危险废物转移管理办法 Art. 21, 27)."""
from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import validate

from app.api._fields import no_nul, positive_quantity
from app.api._paging import page_of
from app.api._query import PagedQuery, query_arguments
from app.api._registry import READERS
from app.auth import allow, current_user
from app.extensions import db
from app.services.waste import cross_province as service
from models import Role, WasteTransferApproval
from models.waste import DISPOSAL_METHODS

blp = Blueprint("waste_transfer_approvals", __name__, url_prefix="waste-transfer-approvals",
                description="Approvals of cross-province transfers of hazardous waste (跨省转移)")


class ApprovedWasteIn(ma.Schema):
    code = ma.fields.String(required=True, validate=[validate.Length(min=1, max=10), no_nul],
                            metadata={"description": "eight-digit waste code, e.g. 900-404-06"})
    quantity_kg = positive_quantity(required=True, metadata={"description": "approved quantity (重量)"})


class ApprovalIn(ma.Schema):
    number = ma.fields.String(required=True, validate=[validate.Length(min=1, max=60), no_nul])
    origin_province = ma.fields.String(required=True, validate=validate.Length(equal=2), metadata={
        "description": "the province the waste leaves (GB/T 2260, 2 digits), whose department approves"})
    destination_province = ma.fields.String(required=True, validate=validate.Length(equal=2))
    generator_id = ma.fields.UUID(required=True, metadata={"description": "移出人"})
    disposer_id = ma.fields.UUID(required=True, metadata={"description": "接受人"})
    disposal_method = ma.fields.String(required=True, validate=validate.OneOf(DISPOSAL_METHODS))
    wastes = ma.fields.List(ma.fields.Nested(ApprovedWasteIn), required=True,
                            validate=validate.Length(min=1, max=100))
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(required=True, metadata={
        "description": "last valid day, inclusive: at most twelve months, within the receiver's permit"})
    issuer = ma.fields.String(validate=[validate.Length(min=1, max=200), no_nul])

    @ma.post_load
    def _by_code(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        codes = [waste["code"] for waste in data["wastes"]]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError("each code once", "wastes")
        data["wastes"] = {waste["code"]: waste["quantity_kg"] for waste in data["wastes"]}
        return data


class ApprovalOut(ma.Schema):
    id = ma.fields.UUID()
    number = ma.fields.String()
    origin_province = ma.fields.String()
    destination_province = ma.fields.String()
    generator_id = ma.fields.UUID()
    disposer_id = ma.fields.UUID()
    disposal_method = ma.fields.String()
    wastes = ma.fields.Function(lambda a: [{"code": code, "quantity_kg": kg} for code, kg in a.wastes.items()])
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date()
    issuer = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


@blp.route("")
class Approvals(MethodView):
    @allow(*READERS)
    @query_arguments(blp, PagedQuery)
    @blp.response(200, ApprovalOut(many=True))
    @blp.paginate()
    def get(self, _query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[WasteTransferApproval]:
        """The approvals the caller may see: all for the authorities, those naming it for an enterprise."""
        return page_of(db.session, service.visible_approvals(current_user()), pagination_parameters)

    @allow(Role.ADMIN, Role.SUPERVISOR)
    @blp.arguments(ApprovalIn)
    @blp.response(201, ApprovalOut)
    def post(self, data: dict[str, Any]) -> WasteTransferApproval:
        """Record the origin province's approval (ecology and environment department): 422 naming the field when
        it is not valid (same province, more than twelve months, beyond the receiver's permit)."""
        return service.record_approval(db.session, current_user(), data)


@blp.route("/<uuid:approval_id>")
class ApprovalById(MethodView):
    @allow(*READERS)
    @blp.response(200, ApprovalOut)
    def get(self, approval_id: uuid.UUID) -> WasteTransferApproval:
        """One approval (404 for one that does not name the caller's enterprise)."""
        return service.get_approval(db.session, current_user(), approval_id)
