"""Site payloads at the HTTP edge."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._fields import OwnedQuery, RecordOut, adcode, no_nul, positive_quantity, quantity_out
from app.i18n import localized
from models import SiteKind, UnitKind


class SiteIn(ma.Schema):
    enterprise_id = ma.fields.UUID(metadata={"description": "defaults to the enterprise user's own"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = ma.fields.Enum(SiteKind, by_value=True, required=True)
    lon = ma.fields.Float(required=True, validate=validate.Range(-180, 180), metadata={"description": "WGS-84"})
    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"description": "WGS-84"})
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=300))
    district_adcode = adcode(allow_none=True)
    capacity_kg = positive_quantity(allow_none=True)
    # It sets the site's GB 18218 grade (Table 5's α), so a firm may not write it: a supervisor sets it through
    # POST /sites/{id}/exposed-population, with a reason, kept in the site's history (issue 25, finding 5).
    exposed_population = ma.fields.Integer(dump_only=True, metadata={
        "description": "people living within 500 m of the site boundary: GB 18218 α (unknown: α by policy); set "
                       "by a supervisor through /sites/{id}/exposed-population"})


class SiteQuery(OwnedQuery):
    kind = ma.fields.Enum(SiteKind, by_value=True)
    district = adcode()


class SiteOut(SiteIn, RecordOut):
    capacity_kg = quantity_out()


class HazardTermOut(ma.Schema):
    chemical_id = ma.fields.UUID()
    name = ma.fields.String()
    un_number = ma.fields.String(allow_none=True)
    cas = ma.fields.String(allow_none=True)
    q_t = ma.fields.String(metadata={"description": "the unit's design maximum, tonnes (GB 18218 §4.2.2)"})
    threshold_t = ma.fields.String(metadata={"description": "Q, tonnes"})
    threshold_source = ma.fields.String()
    beta = ma.fields.String(metadata={"description": "β"})
    beta_source = ma.fields.String()
    beta_assumed = ma.fields.Boolean(metadata={"description": "β = 1 assumed: no Table 3 entry and no category"})
    q_over_threshold = ma.fields.String(metadata={"description": "q/Q"})
    beta_q_over_threshold = ma.fields.String(metadata={"description": "β·q/Q"})


class NotCountedOut(ma.Schema):
    chemical_id = ma.fields.UUID()
    name = ma.fields.String()
    un_number = ma.fields.String(allow_none=True)
    cas = ma.fields.String(allow_none=True)
    q_t = ma.fields.String()
    reason = ma.fields.String()


class UnitHazardOut(ma.Schema):
    unit_id = ma.fields.UUID(allow_none=True)
    name = ma.fields.String()
    kind = ma.fields.String()
    s = ma.fields.String(metadata={"description": "S = Σ q/Q over the unit"})
    r = ma.fields.String(metadata={"description": "R = α · Σ β·q/Q over the unit"})
    grade = ma.fields.String(allow_none=True)
    major_hazard_source = ma.fields.Boolean()
    terms = ma.fields.List(ma.fields.Nested(HazardTermOut), metadata={"description": "largest β·q/Q first"})
    not_counted = ma.fields.List(ma.fields.Nested(NotCountedOut))


class HazardOut(ma.Schema):
    site_id = ma.fields.UUID()
    site = ma.fields.String()
    formula = ma.fields.String()
    exposed_population = ma.fields.Integer(allow_none=True)
    alpha = ma.fields.String(metadata={"description": "α (GB 18218 Table 5)"})
    alpha_basis = ma.fields.String()
    s = ma.fields.String(metadata={"description": "the worst unit's S"})
    r = ma.fields.String(metadata={"description": "the worst unit's R"})
    worst_unit = ma.fields.String(allow_none=True)
    major_hazard_source = ma.fields.Boolean(metadata={"description": "some unit has S ≥ 1"})
    grade = ma.fields.String(allow_none=True, metadata={"description": "the worst unit's: 一级 (R ≥ 100) … 四级"})
    units = ma.fields.List(ma.fields.Nested(UnitHazardOut))

    @ma.pre_dump
    def _read(self, explained: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The explanation's sentences (sources of Q and β, α's basis, why a chemical is not counted) in the
        language of ``Accept-Language`` (English by default)."""
        return localized(explained)


class UnitIn(ma.Schema):
    name = ma.fields.String(required=True, validate=[validate.Length(min=1, max=200), no_nul])
    kind = ma.fields.Enum(UnitKind, by_value=True, required=True, metadata={
        "description": "production (生产单元, GB 18218 §3.5) or storage (储存单元: a tank area within its dike, a "
                       "separate warehouse, §3.6)"})


class UnitOut(UnitIn):
    id = ma.fields.UUID()
    site_id = ma.fields.UUID()
    is_default = ma.fields.Boolean(metadata={"description": "where stock lands when a movement names no unit"})
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


def _reason() -> ma.fields.String:
    return ma.fields.String(required=True, validate=[validate.Length(min=1, max=500), no_nul],
                            metadata={"description": "why the figure changes (kept in the history)"})


class DesignMaximumIn(ma.Schema):
    unit_id = ma.fields.UUID(metadata={"description": "default: the site's default unit"})
    chemical_id = ma.fields.UUID(required=True)
    quantity_t = ma.fields.Decimal(required=True, allow_nan=False, validate=validate.Range(min=0, max=1_000_000),
                                   metadata={"description": "design maximum in the unit, tonnes; 0 withdraws it"})
    reason = _reason()


class PopulationIn(ma.Schema):
    exposed_population = ma.fields.Integer(required=True, allow_none=True, strict=True,
                                           validate=validate.Range(min=0, max=10_000_000),
                                           metadata={"description": "people within 500 m; null: not known"})
    reason = _reason()


class DesignMaximumOut(ma.Schema):
    unit_id = ma.fields.UUID()
    unit = ma.fields.String()
    chemical_id = ma.fields.UUID()
    chemical = ma.fields.String(allow_none=True)
    quantity_t = ma.fields.Decimal(as_string=True)
    reason = ma.fields.String()
    set_by = ma.fields.UUID()
    set_at = ma.fields.AwareDateTime()


class PopulationOut(ma.Schema):
    exposed_population = ma.fields.Integer(allow_none=True)
    previous = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String()
    set_by = ma.fields.UUID()
    set_at = ma.fields.AwareDateTime()


class FiguresHistoryOut(ma.Schema):
    site_id = ma.fields.UUID()
    design_maxima = ma.fields.List(ma.fields.Nested(DesignMaximumOut), metadata={"description": "newest first"})
    exposed_population = ma.fields.List(ma.fields.Nested(PopulationOut), metadata={"description": "newest first"})
