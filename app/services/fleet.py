"""Vehicles and crews (drivers, escorts): a carrier registers its own.

National ID numbers are validated (GB 11643) and then kept only as a salted PBKDF2 hash and a masked form:
ID numbers have little entropy (region, birth date, sequence), so a plain or unsalted hash would be
reversible by enumeration.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.i18n import Text
from app.services.registry import Registry, current, json_list_has, owned_filters
from models import Enterprise, EnterpriseRole, Person, Vehicle
from models.identifiers import is_trailer_plate, mask_national_id

#: OWASP's 2023 floor for PBKDF2-HMAC-SHA256 is 600,000; 100,000 keeps registration fast while a per-record
#: salt still forces an attacker to enumerate each record separately.
PBKDF2_ITERATIONS = 100_000


def hash_national_id(number: str, *, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """``pbkdf2_sha256$iterations$salt$hash`` (hex) of an ID number."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", number.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def _require_carrier(session: Session, field: str, data: dict[str, Any], record: Any) -> None:
    """Dangerous goods vehicles and their crews belong to a carrier (道路危险货物运输管理规定)."""
    enterprise = session.get(Enterprise, current(data, record, field))
    if enterprise is not None and EnterpriseRole.CARRIER.value not in enterprise.roles:
        raise ValidationFailed("Only a carrier registers vehicles and crews.",
                               errors={field: [Text("enterprise {id} does not have the carrier role",
                                                    id=enterprise.id)]})


def _check_vehicle(session: Session, data: dict[str, Any], record: Vehicle | None) -> dict[str, Any]:
    _require_carrier(session, "carrier_id", data, record)
    kind, plate = current(data, record, "kind"), current(data, record, "plate")
    errors: dict[str, list[str]] = {}
    if kind.is_trailer != is_trailer_plate(plate):
        errors["plate"] = [Text("a {kind} needs a trailer plate (挂)", kind=kind) if kind.is_trailer
                           else Text("a {kind} needs no trailer plate (挂)", kind=kind)]
    if current(data, record, "tank_media", []) and not kind.is_tank:
        errors["tank_media"] = [Text("only a tank vehicle has permitted tank media, not a {kind}", kind=kind)]
    if errors:
        raise ValidationFailed("The vehicle's fields contradict each other.", errors=errors)
    return data


def _check_person(session: Session, data: dict[str, Any], record: Person | None) -> dict[str, Any]:
    _require_carrier(session, "employer_id", data, record)
    if "national_id" in data:
        number = data.pop("national_id")
        data["national_id_hash"] = hash_national_id(number)
        data["national_id_masked"] = mask_national_id(number)
    return data


VEHICLES = Registry(
    model=Vehicle, label="vehicle", order_by=(Vehicle.plate,), scope=Vehicle.carrier_id,
    filters={
        **owned_filters(Vehicle.carrier_id, Vehicle.active, Vehicle.plate),
        "kind": lambda kind: Vehicle.kind == kind,
        "hazard_class": lambda hazard_class: json_list_has(Vehicle.hazard_classes, hazard_class),
    },
    unique=(("plate",),), check=_check_vehicle,
)

PERSONNEL = Registry(
    model=Person, label="person", order_by=(Person.name, Person.id), scope=Person.employer_id,
    filters={
        **owned_filters(Person.employer_id, Person.active, Person.name),
        "role": lambda role: Person.role == role,
    },
    check=_check_person,
)
