"""The input of ``POST /api/v1/hazard/compute`` and ``hazledger hazard compute`` (CONTRACT.md), one definition."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._fields import checked_by, no_nul
from app.i18n import localized
from app.services.hazards.gb18218 import categories_problem
from models.identifiers import un_number_problem

#: A design maximum above a million tonnes in one unit is a typing error, not a plant.
MAX_T = Decimal(1_000_000)


class PlantChemicalIn(ma.Schema):
    un_number = ma.fields.String(validate=checked_by(un_number_problem, "a UN number"))
    cas = ma.fields.String(validate=[validate.Regexp(r"^\d{2,7}-\d{2}-\d$", error="Must be a CAS number."), no_nul])
    category = ma.fields.String(validate=[
        validate.Length(min=1, max=40), checked_by(categories_problem, "GB 18218 categories")], metadata={
        "description": "GB 18218 Table 2 category, several separated by commas (the lowest threshold counts)"})
    name = ma.fields.String(validate=[validate.Length(min=1, max=200), no_nul])
    quantity_t = ma.fields.Decimal(required=True, allow_nan=False, validate=validate.Range(
        min=0, min_inclusive=False, max=MAX_T), metadata={"description": "design maximum in the unit, tonnes"})

    @ma.validates_schema
    def _named(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not any(data.get(k) for k in ("un_number", "cas", "category")):
            raise ma.ValidationError("Give un_number, cas or category.", field_name="un_number")


class PlantUnitIn(ma.Schema):
    name = ma.fields.String(required=True, validate=[validate.Length(min=1, max=200), no_nul])
    chemicals = ma.fields.List(ma.fields.Nested(PlantChemicalIn), required=True,
                               validate=validate.Length(min=1, max=500))


class PlantIn(ma.Schema):
    """A plant's units (生产单元 / 储存单元) with their chemicals' design maximums, and its exposed population."""

    exposed_population = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                           validate=validate.Range(min=0, max=10_000_000))
    units = ma.fields.List(ma.fields.Nested(PlantUnitIn), required=True, validate=validate.Length(min=1, max=1000))

    @ma.validates_schema
    def _distinct_names(self, data: dict[str, Any], **_kwargs: Any) -> None:
        names = [u["name"] for u in data.get("units", [])]
        if len(set(names)) != len(names):
            raise ma.ValidationError("Each unit has a name of its own.", field_name="units")


class PlantOut(ma.Schema):
    """Every unit's S, R, grade and terms; the site's grade is its worst unit's."""

    class Meta:
        unknown = ma.INCLUDE

    units = ma.fields.List(ma.fields.Dict())
    grade = ma.fields.String(allow_none=True)

    @ma.pre_dump
    def _read(self, report: dict[str, Any], **_: Any) -> dict[str, Any]:
        """The report's sentences (the formula, α's basis, the sources of Q and β) in the language of
        ``Accept-Language`` (English by default)."""
        return localized(report)
