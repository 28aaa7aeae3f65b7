"""Enterprise payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from models import EnterpriseRole
from models.identifiers import uscc_problem


def _valid_uscc(value: str) -> None:
    reason = uscc_problem(value)
    if reason:
        raise ma.ValidationError(f"Not a unified social credit code: {reason}.")


class EnterpriseIn(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    uscc = ma.fields.String(required=True, validate=_valid_uscc,
                            metadata={"description": "unified social credit code (GB 32100)"})
    roles = ma.fields.List(
        ma.fields.String(validate=validate.OneOf([r.value for r in EnterpriseRole])),
        load_default=list, validate=validate.Length(max=len(EnterpriseRole)),
    )
    address = ma.fields.String(validate=validate.Length(max=300), allow_none=True)
    district_adcode = ma.fields.String(validate=validate.Regexp(r"^\d{6}$"), allow_none=True)


class EnterpriseOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    uscc = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    address = ma.fields.String()
    district_adcode = ma.fields.String()
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
