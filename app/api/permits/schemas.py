"""Permit payloads at the HTTP edge."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._fields import checked_by, hazard_classes, un_numbers
from app.api._query import PagedQuery
from app.services.permits import Activity
from models import PermitKind, WasteOperation
from models.waste import DISPOSAL_METHODS, category_problem, code_problem


class PermitIn(ma.Schema):
    kind = ma.fields.Enum(PermitKind, by_value=True, required=True)
    number = ma.fields.String(required=True, validate=validate.Length(min=1, max=60))
    holder_id = ma.fields.UUID(required=True)
    issuer = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    hazard_classes = hazard_classes(metadata={"description": "scope: classes (\"6\" covers 6.1 and 6.2)"})
    un_numbers = un_numbers(metadata={"description": "scope: UN numbers"})
    waste_categories = ma.fields.List(ma.fields.String(validate=checked_by(category_problem, "a waste category")),
                                      load_default=list, metadata={"description": "waste scope: HW01-HW50"})
    waste_codes = ma.fields.List(ma.fields.String(validate=checked_by(code_problem, "a waste code")),
                                 load_default=list, metadata={"description": "waste scope: codes like 900-041-49"})
    disposal_methods = ma.fields.List(ma.fields.String(validate=validate.OneOf(DISPOSAL_METHODS)), load_default=list,
                                      metadata={"description": "Basel Convention Annex IV codes (D1-D15, R1-R13)"})
    waste_operation = ma.fields.Enum(WasteOperation, by_value=True, allow_none=True, metadata={
        "description": "a hazardous_waste_operation permit's 经营方式: comprehensive (收集、贮存、处置, 5 years at most; "
                       "the default) or collection (900-214-08 and 900-044-49 only, 3 years at most)"})
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(required=True, metadata={"description": "last valid day, inclusive"})
    revoked = ma.fields.Boolean(load_default=False)


class PermitQuery(PagedQuery):
    enterprise = ma.fields.UUID(metadata={"description": "the holding enterprise (as on sites, vehicles, personnel)"})
    holder = ma.fields.UUID(metadata={"description": "the same filter by its former name, kept for older clients",
                                      "deprecated": True})
    kind = ma.fields.Enum(PermitKind, by_value=True)
    revoked = ma.fields.Boolean()
    valid_on = ma.fields.Date()

    @ma.post_load
    def _one_name_for_the_holder(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        holder = data.pop("holder", None)
        if holder is not None and data.setdefault("enterprise", holder) != holder:
            raise ma.ValidationError("names another enterprise than `enterprise`", "holder")
        return data


class PermitOut(PermitIn):
    id = ma.fields.UUID()
    created_at = ma.fields.AwareDateTime()


class PermitCheckQuery(ma.Schema):
    enterprise = ma.fields.UUID(required=True)
    activity = ma.fields.Enum(Activity, by_value=True, required=True)
    chemical = ma.fields.UUID(required=True)
    date = ma.fields.Date(required=True)


class PermitDecisionOut(ma.Schema):
    allowed = ma.fields.Boolean()
    reason = ma.fields.String(allow_none=True)
    permit_id = ma.fields.UUID(allow_none=True)
