"""The vehicle, trailer, driver and escort a shipper names by what the carrier told it: a plate, a certificate.

A shipper may not browse a carrier's fleet and crew (an enterprise sees only its own records), so it names them
by the vehicle's plate and the driver's and escort's qualification certificate (从业资格证) numbers. Each is
looked up among the chosen carrier's *active* records only, by exact value (a plate normalized as the registry
stores it): a plate or certificate of another carrier finds nothing, exactly as an unknown one does, so the
answer says nothing about any other carrier's records.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import N_
from models import CrewRole, Person, Vehicle
from models.identifiers import normalize_plate, plate_problem

#: The text fields, each naming the version's record field it fills.
PLATES = {"vehicle_plate": "vehicle_id", "trailer_plate": "trailer_id"}
CERTIFICATES = {"driver_certificate": ("driver_id", CrewRole.DRIVER),
                "escort_certificate": ("escort_id", CrewRole.ESCORT)}
#: Text field -> record field, and back.
FIELDS = {**PLATES, **{name: field for name, (field, _role) in CERTIFICATES.items()}}
TEXT_OF = {field: name for name, field in FIELDS.items()}

NO_VEHICLE = N_("no active vehicle with this plate at the chosen carrier")
NO_PERSON = N_("no active driver or escort with this certificate number at the chosen carrier")
SEVERAL = N_("several active people of the chosen carrier hold this certificate number; ask the carrier to correct it")
NO_CARRIER = N_("choose the carrier first")


@dataclass(frozen=True)
class Named:
    """The record ids found (``None`` for a field left empty) and the fields whose text found none."""

    ids: dict[str, uuid.UUID | None]
    errors: dict[str, list[str]]


def resolve(session: Session, carrier_id: uuid.UUID | None, given: Mapping[str, str | None]) -> Named:
    """Find the records the texts of *given* (keys of :data:`FIELDS`) name among *carrier_id*'s active ones.

    Each text field that names nothing gets one error; without a carrier, every given text does.
    """
    texts = {name: (given.get(name) or "").strip() for name in FIELDS}
    ids: dict[str, uuid.UUID | None] = {field: None for field in FIELDS.values()}
    errors: dict[str, list[str]] = {}
    if carrier_id is None:
        return Named(ids, {name: [NO_CARRIER] for name, text in texts.items() if text})
    plates = {name: normalize_plate(texts[name]) for name in PLATES if texts[name]}
    for name, plate in list(plates.items()):
        problem = plate_problem(plate)
        if problem:
            errors[name] = [problem]
            del plates[name]
    vehicles = dict(session.execute(select(Vehicle.plate, Vehicle.id).where(
        Vehicle.carrier_id == carrier_id, Vehicle.active, Vehicle.plate.in_(set(plates.values())))).all()
    ) if plates else {}
    for name, plate in plates.items():
        if plate in vehicles:
            ids[PLATES[name]] = vehicles[plate]
        else:
            errors[name] = [NO_VEHICLE]
    numbers = {name: texts[name] for name in CERTIFICATES if texts[name]}
    holders: dict[str, list[tuple[uuid.UUID, CrewRole]]] = defaultdict(list)
    if numbers:
        for number, person_id, role in session.execute(select(Person.certificate_number, Person.id, Person.role).where(
                Person.employer_id == carrier_id, Person.active, Person.certificate_number.in_(set(numbers.values())))):
            holders[number].append((person_id, role))
    for name, number in numbers.items():
        field, role = CERTIFICATES[name]
        found = holders.get(number, [])
        # One holder is the one meant, whatever their role (the submission checks it); of several, the one in
        # the role of the field.
        chosen = found if len(found) < 2 else [(i, r) for i, r in found if r is role]
        if len(chosen) == 1:
            ids[field] = chosen[0][0]
        else:
            errors[name] = [SEVERAL if found else NO_PERSON]
    return Named(ids, errors)
