"""Vehicle payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma

from app.api._fields import (
    OwnedQuery, Plate, RecordOut, checked_by, hazard_classes, positive_quantity, quantity_out, un_numbers,
)
from models import VehicleKind
from models.identifiers import plate_problem, terminal_phone_problem


class VehicleIn(ma.Schema):
    plate = Plate(required=True, validate=checked_by(plate_problem, "a licence plate"))
    carrier_id = ma.fields.UUID(metadata={"description": "defaults to the enterprise user's own"})
    kind = ma.fields.Enum(VehicleKind, by_value=True, required=True)
    hazard_classes = hazard_classes(metadata={"description": "ADR classes the vehicle may carry"})
    rated_load_kg = positive_quantity(required=True)
    tank_media = un_numbers(metadata={"description": "UN numbers a tank may carry"})
    gps_terminal_id = ma.fields.String(allow_none=True,
                                       validate=checked_by(terminal_phone_problem, "a JT/T 808 terminal number"))
    inspection_valid_until = ma.fields.Date(allow_none=True)


class VehicleQuery(OwnedQuery):
    kind = ma.fields.Enum(VehicleKind, by_value=True)
    hazard_class = ma.fields.String()


class VehicleOut(VehicleIn, RecordOut):
    rated_load_kg = quantity_out()
