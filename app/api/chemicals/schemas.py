"""Catalogue payloads at the HTTP edge."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from app.api._fields import RecordOut, checked_by, positive_quantity, quantity_out, search_text
from app.api._query import PagedQuery
from app.services.hazards.gb18218 import categories_problem
from models import ControlLevel
from models.catalogue import TRANSPORT_CATEGORIES, TUNNEL_CODES, hazard_class_problem
from models.identifiers import cas_problem, un_number_problem


class ChemicalIn(ma.Schema):
    un_number = ma.fields.String(allow_none=True, validate=checked_by(un_number_problem, "a UN number"))
    name_zh = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=300))
    name_en = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=500),
                               metadata={"description": "proper shipping name"})
    hazard_class = ma.fields.String(allow_none=True, validate=checked_by(hazard_class_problem, "a hazard class"))
    classification_code = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=12))
    packing_group = ma.fields.String(allow_none=True, validate=validate.OneOf(["I", "II", "III"]))
    tunnel_code = ma.fields.String(allow_none=True, validate=validate.OneOf(TUNNEL_CODES))
    transport_category = ma.fields.String(allow_none=True, validate=validate.OneOf(TRANSPORT_CATEGORIES))
    cas_numbers = ma.fields.List(ma.fields.String(validate=checked_by(cas_problem, "a CAS number")),
                                 load_default=list)
    catalogue_serial = ma.fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2828),
                                         metadata={"description": "serial in 危险化学品目录(2015版)"})
    highly_toxic = ma.fields.Boolean(load_default=False, metadata={"description": "剧毒"})
    explosive_precursor = ma.fields.Boolean(load_default=False, metadata={"description": "易制爆"})
    key_supervised = ma.fields.Boolean(load_default=False, metadata={"description": "重点监管"})
    control_level = ma.fields.Enum(ControlLevel, by_value=True, load_default=ControlLevel.NONE)
    major_hazard_threshold_t = positive_quantity(
        Decimal(10) ** 6, allow_none=True, metadata={"description": "GB 18218 threshold quantity, tonnes"})
    major_hazard_category = ma.fields.String(allow_none=True, validate=[
        validate.Length(max=40), checked_by(categories_problem, "GB 18218 categories")], metadata={
        "description": "GB 18218 Table 2 hazard categories, comma-separated for several hazards (the lowest "
                       "threshold counts; threshold and β when the chemical has none of its own)"})
    major_hazard_beta = positive_quantity(Decimal(100), allow_none=True, metadata={
        "description": "GB 18218 correction factor β (Table 3 for the toxic gases it names)"})

    @ma.validates_schema
    def _named(self, data: dict, partial: bool | tuple | None = None, **_kwargs: object) -> None:
        if not partial and not (data.get("name_zh") or data.get("name_en")):
            raise ma.ValidationError("A chemical needs a Chinese or an English name.", "name_zh")


class ChemicalQuery(PagedQuery):
    q = search_text(metadata={"description": "part of a name (zh/en), or a UN or CAS number"})
    un_number = ma.fields.String()
    hazard_class = ma.fields.String()
    highly_toxic = ma.fields.Boolean()
    explosive_precursor = ma.fields.Boolean()
    key_supervised = ma.fields.Boolean()
    control_level = ma.fields.Enum(ControlLevel, by_value=True)
    source = ma.fields.String()
    active = ma.fields.Boolean()


class ChemicalOut(ChemicalIn, RecordOut):
    major_hazard_threshold_t = quantity_out()
    major_hazard_beta = quantity_out()
    source = ma.fields.String()
    source_ref = ma.fields.String()
