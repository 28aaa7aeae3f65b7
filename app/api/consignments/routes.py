"""``/api/v1/consignments``: the shipper's consignment lists (托运清单), from which carriers make waybills."""
from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import validate

from app.api._fields import positive_quantity, quantity_out
from app.api._paging import page_of
from app.api.waybills.routes import FIRMS, READERS
from app.api.waybills.schemas import PHONE
from app.api._query import PagedQuery, query_arguments
from app.auth import allow, current_user
from app.extensions import db
from app.services import consignments
from models import Consignment

blp = Blueprint("consignments", __name__, description=(
    "Consignment lists (托运清单, Order 29 Art. 22): the goods, their emergency information and the carrier; the "
    "carrier makes the waybill from one (POST /waybills with consignment_id)"))

_TEXT = validate.Length(min=1, max=1000)


class ConsignmentLineIn(ma.Schema):
    batch_id = ma.fields.UUID(required=True)
    quantity_kg = positive_quantity(required=True)
    packaging_kind = ma.fields.String(required=True, validate=validate.Length(min=1, max=40))
    packaging_count = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    hazards = ma.fields.String(required=True, validate=_TEXT, metadata={"description": "危险特性"})
    first_aid = ma.fields.String(required=True, validate=_TEXT, metadata={"description": "急救措施"})
    spill_response = ma.fields.String(required=True, validate=_TEXT, metadata={"description": "泄漏应急处置"})
    fire_response = ma.fields.String(required=True, validate=_TEXT, metadata={"description": "消防措施"})


class ConsignmentIn(ma.Schema):
    shipper_id = ma.fields.UUID(metadata={"description": "administrators only; an enterprise ships as itself"})
    carrier_id = ma.fields.UUID(required=True)
    consignee_id = ma.fields.UUID(required=True)
    loading_site_id = ma.fields.UUID(allow_none=True)
    unloading_site_id = ma.fields.UUID(allow_none=True)
    shipper_contact = ma.fields.String(allow_none=True, validate=PHONE)
    consignee_contact = ma.fields.String(allow_none=True, validate=PHONE)
    loader_name = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=200))
    loader_contact = ma.fields.String(allow_none=True, validate=PHONE)
    emergency_phone = ma.fields.String(required=True, validate=PHONE)
    waste_manifest_number = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=40))
    ship_on = ma.fields.Date(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(ConsignmentLineIn), required=True,
                           validate=validate.Length(min=1, max=50))


class ConsignmentLineOut(ConsignmentLineIn):
    line_no = ma.fields.Integer()
    batch_id = ma.fields.UUID()
    chemical_id = ma.fields.UUID()
    un_number = ma.fields.String()
    proper_shipping_name = ma.fields.String()
    hazard_class = ma.fields.String()
    packing_group = ma.fields.String()
    quantity_kg = quantity_out()


class ConsignmentOut(ConsignmentIn):
    id = ma.fields.UUID()
    number = ma.fields.String()
    shipper_id = ma.fields.UUID()
    created_at = ma.fields.AwareDateTime()
    lines = ma.fields.List(ma.fields.Nested(ConsignmentLineOut))


@blp.route("")
class Consignments(MethodView):
    @allow(*READERS)
    @query_arguments(blp, PagedQuery)
    @blp.response(200, ConsignmentOut(many=True))
    @blp.paginate()
    def get(self, _: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Consignment]:
        """The lists the caller is the shipper, carrier or consignee of (all, for the authorities), newest first."""
        return page_of(db.session, consignments.visible_consignments(current_user()), pagination_parameters)

    @allow(*FIRMS)
    @blp.arguments(ConsignmentIn)
    @blp.response(201, ConsignmentOut)
    def post(self, data: dict[str, Any]) -> Consignment:
        """Hand the carrier a consignment list (the shipper): each line's UN number, name, class and packing
        group come from its batch's catalogue entry."""
        return consignments.create_consignment(db.session, current_user(), data)


@blp.route("/<uuid:consignment_id>")
class ConsignmentById(MethodView):
    @allow(*READERS)
    @blp.response(200, ConsignmentOut)
    def get(self, consignment_id: uuid.UUID) -> Consignment:
        """One list (404 unless the caller is one of its parties or an authority)."""
        return consignments.get_consignment(db.session, current_user(), consignment_id)
