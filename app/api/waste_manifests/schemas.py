"""Transfer manifest payloads at the HTTP edge."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._fields import Producer, no_nul, positive_quantity, quantity_out
from app.api._query import PagedQuery
from app.services.waste.codes import categories
from app.services.waste.transfer_rules import receipt_due
from models import ManifestStatus
from models.waste import DISPOSAL_METHODS


class ManifestLineIn(ma.Schema):
    batch = ma.fields.String(required=True, validate=[validate.Length(min=1, max=64), no_nul],
                             metadata={"description": "code of a waste batch the generator produced"})
    producer = Producer(metadata={"description": "the generator, by its enterprise id or USCC (optional: a line "
                                                 "names the generator's own waste; any other producer is unknown)"})
    quantity_kg = positive_quantity(required=True)


class ManifestIn(ma.Schema):
    generator_id = ma.fields.UUID(metadata={"description": "the generator an administrator acts for"})
    carrier_id = ma.fields.UUID(required=True)
    disposer_id = ma.fields.UUID(required=True)
    disposer_site_id = ma.fields.UUID(required=True, metadata={"description": "where the disposer receives it"})
    disposal_method = ma.fields.String(required=True, validate=validate.OneOf(DISPOSAL_METHODS), metadata={
        "description": "Basel Convention Annex IV code: D1-D15 (disposal), R1-R13 (recovery)"})
    waybill_id = ma.fields.UUID(allow_none=True, metadata={"description": "the e-waybill (may be linked later)"})
    lines = ma.fields.List(ma.fields.Nested(ManifestLineIn), required=True, validate=validate.Length(min=1, max=100))
    cross_province_approval = ma.fields.String(validate=[validate.Length(min=1, max=60), no_nul], metadata={
        "description": "number of the origin province's approval: required when the waste leaves its province "
                       "(危险废物转移管理办法 Art. 21)"})


class ManifestQuery(PagedQuery):
    status = ma.fields.Enum(ManifestStatus, by_value=True)
    batch = ma.fields.String(validate=[validate.Length(min=1, max=64), no_nul], metadata={"description": "batch code"})


class WaybillLinkIn(ma.Schema):
    waybill_id = ma.fields.UUID(required=True)


class ManifestStepIn(ma.Schema):
    occurred_at = ma.fields.AwareDateTime(metadata={"description": "when it happened (default now)"})


class CarrierCheckIn(ManifestStepIn):
    matches = ma.fields.Boolean(required=True, metadata={
        "description": "the waste's name, quantity and packaging are as the manifest states"})
    note = ma.fields.String(validate=[validate.Length(min=1, max=400), no_nul], metadata={
        "description": "what is not as stated (required when refusing carriage)"})


class RejectIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=[validate.Length(min=1, max=500), no_nul])


class ManifestLineOut(ma.Schema):
    line_no = ma.fields.Integer()
    batch = ma.fields.Function(lambda line: line.batch.code)
    waste_category = ma.fields.Function(lambda line: line.profile.category)
    waste_code = ma.fields.Function(lambda line: line.profile.code)
    waste_characteristics = ma.fields.Function(lambda line: list(line.profile.characteristics))
    waste_category_name = ma.fields.Function(lambda line: categories()[line.profile.category].name_zh)
    waste_catalogue_edition = ma.fields.Function(lambda line: line.profile.catalogue_edition,
                                                 metadata={"description": "the 名录 edition of the declaration"})
    quantity_kg = quantity_out()
    received_kg = quantity_out()


class ManifestEventOut(ma.Schema):
    from_status = ma.fields.String()
    to_status = ma.fields.String()
    actor_id = ma.fields.UUID()
    reason = ma.fields.String()
    at = ma.fields.AwareDateTime()


class ApprovalRefOut(ma.Schema):
    id = ma.fields.UUID()
    number = ma.fields.String()
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date()
    issuer = ma.fields.String(allow_none=True)


class ManifestOut(ma.Schema):
    id = ma.fields.UUID()
    number = ma.fields.String()
    status = ma.fields.String()
    generator_id = ma.fields.UUID()
    carrier_id = ma.fields.UUID()
    disposer_id = ma.fields.UUID()
    disposer_site_id = ma.fields.UUID()
    waybill_id = ma.fields.UUID()
    disposal_method = ma.fields.String()
    disposal_method_name = ma.fields.Function(lambda m: DISPOSAL_METHODS.get(m.disposal_method))
    created_at = ma.fields.AwareDateTime()
    departed_at = ma.fields.AwareDateTime()
    received_at = ma.fields.AwareDateTime()
    disposed_at = ma.fields.AwareDateTime()
    carrier_checked_at = ma.fields.AwareDateTime(metadata={"description": "the carrier's check before carriage"})
    receipt_due = ma.fields.Method("_receipt_due", metadata={
        "description": "when the receiver's confirmation is due (working days after delivery)"})
    discrepancy = ma.fields.String(allow_none=True)
    origin_province = ma.fields.String(allow_none=True, metadata={"description": "GB/T 2260, 2 digits"})
    destination_province = ma.fields.String(allow_none=True)
    cross_province = ma.fields.Boolean(allow_none=True, metadata={
        "description": "crosses a province boundary; null when a site's district code is not recorded"})
    cross_province_approval = ma.fields.Nested(ApprovalRefOut, attribute="approval", allow_none=True)

    def _receipt_due(self, manifest: Any) -> str | None:
        due = receipt_due(manifest, manifest.waybill.delivered_at if manifest.waybill else None)
        return due.isoformat() if due else None
    rejection_reason = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(ManifestLineOut))
    events = ma.fields.List(ma.fields.Nested(ManifestEventOut))
