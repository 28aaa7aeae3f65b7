"""Site payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._fields import OwnedQuery, RecordOut, adcode, positive_quantity, quantity_out
from models import SiteKind


class SiteIn(ma.Schema):
    enterprise_id = ma.fields.UUID(metadata={"description": "defaults to the enterprise user's own"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = ma.fields.Enum(SiteKind, by_value=True, required=True)
    lon = ma.fields.Float(required=True, validate=validate.Range(-180, 180), metadata={"description": "WGS-84"})
    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"description": "WGS-84"})
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=300))
    district_adcode = adcode(allow_none=True)
    capacity_kg = positive_quantity(allow_none=True)
    exposed_population = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10_000_000), metadata={
        "description": "people living within 500 m of the site boundary: GB 18218 α (unknown: the largest α)"})


class SiteQuery(OwnedQuery):
    kind = ma.fields.Enum(SiteKind, by_value=True)
    district = adcode()


class SiteOut(SiteIn, RecordOut):
    capacity_kg = quantity_out()
