"""Ledger entry (movement) payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._fields import MAX_DENSITY, Producer, decimal_in
from app.api._query import PagedQuery
from models import EntryKind
from models.waste import CHARACTERISTICS


class _Amount(ma.Schema):
    quantity = decimal_in(metadata={"description": "in `unit`"})
    unit = ma.fields.String(load_default="kg", validate=validate.Length(min=1, max=20),
                            metadata={"description": "t, kg, g, L (with density), or their Chinese names 吨, "
                                                     "千克/公斤, 克, 升; any mass or volume unit pint knows"})
    density_kg_per_l = decimal_in(maximum=MAX_DENSITY, allow_none=True)


class InputIn(_Amount):
    batch = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    producer = Producer()
    quantity = decimal_in(required=True)


class _WasteDeclaration(ma.Schema):
    """What a generator declares about a waste batch (国家危险废物名录 2021)."""

    waste_code = ma.fields.String(validate=validate.Length(min=1, max=10),
                                  metadata={"description": "eight-digit waste code, e.g. 900-041-49"})
    waste_category = ma.fields.String(validate=validate.Length(min=1, max=4),
                                      metadata={"description": "HW01-HW50; defaults to the code's category"})
    waste_characteristics = ma.fields.List(ma.fields.String(validate=validate.OneOf(CHARACTERISTICS)),
                                           validate=validate.Length(max=5),
                                           metadata={"description": "T, C, I, R, In"})


class OutputIn(_Amount, _WasteDeclaration):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    chemical_id = ma.fields.UUID(metadata={"description": "required unless the kind is split"})
    quantity = decimal_in(required=True)
    waste = ma.fields.Boolean(load_default=False, metadata={"description": "a waste output: give waste_code"})


class MovementIn(_Amount, _WasteDeclaration):
    """One posting; which fields are required depends on ``kind`` (see the API description)."""

    kind = ma.fields.String(required=True, validate=validate.OneOf([k.value for k in EntryKind]))
    occurred_at = ma.fields.AwareDateTime(required=True)
    enterprise_id = ma.fields.UUID(metadata={"description": "the enterprise an administrator posts for"})
    document_ref = ma.fields.String(validate=validate.Length(max=100), allow_none=True)
    batch = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "batch code"})
    producer = Producer()
    code = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "new batch code"})
    chemical_id = ma.fields.UUID()
    site_id = ma.fields.UUID()
    from_site_id = ma.fields.UUID()
    to_site_id = ma.fields.UUID()
    unit_id = ma.fields.UUID(metadata={"description": "the unit of `site_id` (GB 18218 §3.5/3.6); default: the site's "
                                                      "default unit"})
    from_unit_id = ma.fields.UUID(metadata={"description": "the unit of `from_site_id`; default: its default unit"})
    to_unit_id = ma.fields.UUID(metadata={"description": "the unit of `to_site_id`; default: its default unit"})
    carrier_id = ma.fields.UUID()
    transit_ref = ma.fields.String(validate=validate.Length(min=1, max=64),
                                   metadata={"description": "vehicle plate or waybill number"})
    waybill_id = ma.fields.UUID()
    counted = decimal_in(min_inclusive=True, metadata={"description": "stocktake count"})
    reverses = ma.fields.UUID(metadata={"description": "the entry a reversal corrects"})
    inputs = ma.fields.List(ma.fields.Nested(InputIn), validate=validate.Length(max=100))
    outputs = ma.fields.List(ma.fields.Nested(OutputIn), validate=validate.Length(max=100))


class MovementItemIn(MovementIn):
    """One posting of a batch: a movement without ``enterprise_id`` (the batch names it once)."""

    class Meta:
        exclude = ("enterprise_id",)


class MovementBatchIn(ma.Schema):
    """Up to 1,000 postings for one enterprise, posted in order in one transaction: all of them or none."""

    enterprise_id = ma.fields.UUID(metadata={"description": "the enterprise an administrator posts for"})
    items = ma.fields.List(ma.fields.Nested(MovementItemIn), required=True,
                           validate=validate.Length(min=1, max=1000))


class EntryOut(ma.Schema):
    id = ma.fields.UUID()
    sequence = ma.fields.Integer()
    kind = ma.fields.Function(lambda e: e.kind.value)
    batch = ma.fields.Function(lambda e: e.batch.code)
    quantity_kg = ma.fields.Decimal(attribute="quantity", as_string=True)
    from_account_id = ma.fields.UUID()
    to_account_id = ma.fields.UUID()
    occurred_at = ma.fields.AwareDateTime()
    recorded_at = ma.fields.AwareDateTime()
    actor_id = ma.fields.UUID()
    enterprise_id = ma.fields.UUID()
    document_ref = ma.fields.String()
    reverses_id = ma.fields.UUID()
    transformation_id = ma.fields.UUID()
    lineage_role = ma.fields.Function(lambda e: e.lineage_role.value if e.lineage_role else None)
    previous_hash = ma.fields.String()
    hash = ma.fields.String()


class PostingOut(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(EntryOut))


class MovementQuery(PagedQuery):
    batch = ma.fields.String(metadata={"description": "batch code"})
    account_id = ma.fields.UUID()
    kind = ma.fields.String(validate=validate.OneOf([k.value for k in EntryKind]))
    since = ma.fields.AwareDateTime()
    until = ma.fields.AwareDateTime()
