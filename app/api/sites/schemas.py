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


class HazardTermOut(ma.Schema):
    chemical_id = ma.fields.UUID()
    name = ma.fields.String()
    un_number = ma.fields.String(allow_none=True)
    q_t = ma.fields.String(metadata={"description": "quantity held now, tonnes"})
    threshold_t = ma.fields.String(metadata={"description": "Q, tonnes"})
    threshold_source = ma.fields.String()
    beta = ma.fields.String(metadata={"description": "β"})
    beta_source = ma.fields.String()
    q_over_threshold = ma.fields.String(metadata={"description": "q/Q"})
    beta_q_over_threshold = ma.fields.String(metadata={"description": "β·q/Q"})


class NotCountedOut(ma.Schema):
    chemical_id = ma.fields.UUID()
    name = ma.fields.String()
    q_t = ma.fields.String()
    reason = ma.fields.String()


class HazardOut(ma.Schema):
    site_id = ma.fields.UUID()
    site = ma.fields.String()
    formula = ma.fields.String()
    exposed_population = ma.fields.Integer(allow_none=True)
    alpha = ma.fields.String(metadata={"description": "α (GB 18218 Table 5)"})
    alpha_basis = ma.fields.String()
    s = ma.fields.String(metadata={"description": "S = Σ q/Q"})
    r = ma.fields.String(metadata={"description": "R = α · Σ β·q/Q"})
    major_hazard_source = ma.fields.Boolean(metadata={"description": "S ≥ 1"})
    grade = ma.fields.String(allow_none=True, metadata={"description": "一级 (R ≥ 100) … 四级 (R < 10)"})
    terms = ma.fields.List(ma.fields.Nested(HazardTermOut), metadata={"description": "largest β·q/Q first"})
    not_counted = ma.fields.List(ma.fields.Nested(NotCountedOut))
