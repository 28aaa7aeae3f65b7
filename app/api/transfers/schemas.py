"""Transfers into another enterprise's site at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._fields import Producer, decimal_in
from app.api.movements.schemas import _Amount
from app.api._query import PagedQuery
from models import TransferStatus


class TransferIn(_Amount):
    """An offer of stock at one of the sender's sites to another enterprise's site."""

    enterprise_id = ma.fields.UUID(metadata={"description": "the enterprise an administrator offers for"})
    batch = ma.fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "batch code"})
    producer = Producer()
    from_site_id = ma.fields.UUID(required=True)
    to_site_id = ma.fields.UUID(required=True, metadata={"description": "a site of another enterprise"})
    quantity = decimal_in(required=True)
    occurred_at = ma.fields.AwareDateTime(required=True, metadata={"description": "the handover time"})
    document_ref = ma.fields.String(validate=validate.Length(max=100), allow_none=True)


class AcceptIn(ma.Schema):
    occurred_at = ma.fields.AwareDateTime(metadata={"description": "when it was received (default: now)"})


class RefuseIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class CancelIn(ma.Schema):
    reason = ma.fields.String(validate=validate.Length(min=1, max=500))


class TransferOut(ma.Schema):
    id = ma.fields.UUID()
    status = ma.fields.Function(lambda t: t.status.value)
    batch = ma.fields.Function(lambda t: t.batch.code)
    quantity_kg = ma.fields.Decimal(attribute="quantity", as_string=True)
    from_site_id = ma.fields.UUID()
    to_site_id = ma.fields.UUID()
    sender_id = ma.fields.UUID()
    receiver_id = ma.fields.UUID()
    document_ref = ma.fields.String(allow_none=True)
    occurred_at = ma.fields.AwareDateTime(metadata={"description": "the handover time the sender states"})
    offered_by = ma.fields.UUID()
    offered_at = ma.fields.AwareDateTime()
    decided_by = ma.fields.UUID(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    entry_id = ma.fields.UUID(allow_none=True, metadata={"description": "the ledger entry its acceptance posted"})


class TransferQuery(PagedQuery):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in TransferStatus]))
    direction = ma.fields.String(validate=validate.OneOf(["incoming", "outgoing"]),
                                 metadata={"description": "an enterprise's received or sent transfers"})
