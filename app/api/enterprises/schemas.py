"""Enterprise payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._fields import RecordOut, adcode, checked_by, search_text
from app.api._query import PagedQuery
from models import EnterpriseRole
from models.identifiers import uscc_problem

_ROLES = [r.value for r in EnterpriseRole]


class EnterpriseIn(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    uscc = ma.fields.String(required=True, validate=checked_by(uscc_problem, "a unified social credit code"),
                            metadata={"description": "unified social credit code (GB 32100)"})
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(_ROLES)),
                           load_default=list, validate=validate.Length(max=len(EnterpriseRole)))
    address = ma.fields.String(validate=validate.Length(max=300), allow_none=True)
    district_adcode = adcode(allow_none=True)


class EnterpriseQuery(PagedQuery):
    role = ma.fields.String(validate=validate.OneOf(_ROLES))
    district = adcode()
    active = ma.fields.Boolean()
    q = search_text(metadata={"description": "part of the name"})


class EnterpriseOut(EnterpriseIn, RecordOut):
    """An enterprise as registered."""
