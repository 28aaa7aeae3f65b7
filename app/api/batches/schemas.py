"""Batch payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._fields import MAX_DENSITY, Producer, decimal_in
from app.api._query import PagedQuery
from app.services.ledger.trace import DIRECTIONS


class BatchIn(ma.Schema):
    """Produce a new batch at one of the caller's sites."""

    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    chemical_id = ma.fields.UUID(required=True)
    site_id = ma.fields.UUID(required=True)
    quantity = decimal_in(required=True)
    unit = ma.fields.String(load_default="kg", validate=validate.Length(min=1, max=20))
    density_kg_per_l = decimal_in(maximum=MAX_DENSITY, allow_none=True)
    produced_at = ma.fields.AwareDateTime(required=True)
    document_ref = ma.fields.String(validate=validate.Length(max=100), allow_none=True)
    enterprise_id = ma.fields.UUID(metadata={"description": "the enterprise an administrator posts for"})


class HoldingOut(ma.Schema):
    account_id = ma.fields.UUID()
    balance_kg = ma.fields.Decimal(attribute="balance", as_string=True)


class BatchOut(ma.Schema):
    id = ma.fields.UUID()
    code = ma.fields.String()
    chemical_id = ma.fields.UUID()
    producer_id = ma.fields.UUID()
    produced_at = ma.fields.AwareDateTime()
    quantity_kg = ma.fields.Decimal(attribute="quantity", as_string=True)
    created_at = ma.fields.AwareDateTime()


class BatchDetailOut(ma.Schema):
    batch = ma.fields.Nested(BatchOut)
    holdings = ma.fields.List(ma.fields.Nested(HoldingOut), metadata={"description": "stock accounts, as_of"})


class BatchQuery(PagedQuery):
    chemical_id = ma.fields.UUID()
    producer_id = ma.fields.UUID()
    code_prefix = ma.fields.String(validate=validate.Length(min=1, max=64))


class ProducerQuery(ma.Schema):
    producer = Producer(metadata={"description": (
        "the producer whose lot the code names, by its enterprise id or its USCC (统一社会信用代码): codes are "
        "unique per producer (409 ambiguous_batch lists the producers to choose)")})


class AsOfQuery(ProducerQuery):
    as_of = ma.fields.AwareDateTime(metadata={"description": "balances as of this time (default now)"})


class TraceQuery(ProducerQuery):
    direction = ma.fields.String(load_default="both", validate=validate.OneOf(DIRECTIONS))
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "epcis")))
