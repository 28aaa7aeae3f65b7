"""Crew payloads at the HTTP edge. The national ID goes in; only its masked form ever comes out."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._fields import OwnedQuery, RecordOut, checked_by, hazard_classes
from models import CrewRole
from models.identifiers import national_id_problem


class PersonIn(ma.Schema):
    employer_id = ma.fields.UUID(metadata={"description": "defaults to the enterprise user's own"})
    role = ma.fields.Enum(CrewRole, by_value=True, required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    certificate_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=40),
                                          metadata={"description": "从业资格证号"})
    national_id = ma.fields.String(required=True, load_only=True,
                                   validate=checked_by(national_id_problem, "a citizen identity number"),
                                   metadata={"description": "GB 11643; stored hashed, shown masked"})
    qualification_classes = hazard_classes()
    valid_until = ma.fields.Date(required=True, metadata={"description": "certificate valid until"})


class PersonQuery(OwnedQuery):
    role = ma.fields.Enum(CrewRole, by_value=True)


class PersonOut(PersonIn, RecordOut):
    national_id_masked = ma.fields.String()
