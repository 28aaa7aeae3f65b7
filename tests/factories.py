"""Test data builders. Each writes through the given session and returns the object (and token)."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

from sqlalchemy.orm import Session

from app.services.users import create_user, issue_token
from app.services.fleet import hash_national_id
from models import (
    Chemical, CrewRole, Department, Enterprise, Permit, PermitKind, Person, Role, Site, SiteKind, User, Vehicle,
    VehicleKind,
)
from models.identifiers import mask_national_id, national_id_check_char, uscc_check_char

_seq = itertools.count(1)


def valid_uscc(rng: random.Random | None = None) -> str:
    """A random unified social credit code with a correct check character."""
    rng = rng or random.Random()
    body = "9132" + "".join(rng.choice("0123456789") for _ in range(2)) + "MA" + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_check_char(body)


def make_enterprise(session: Session, **fields: object) -> Enterprise:
    n = next(_seq)
    values = {"name": f"企业{n}", "uscc": valid_uscc(), "roles": ["producer"], "district_adcode": "320205"}
    values.update(fields)
    enterprise = Enterprise(**values)
    session.add(enterprise)
    session.flush()
    return enterprise


def make_user(session: Session, role: Role = Role.ADMIN, *, enterprise: Enterprise | None = None,
              ttl_days: int | None = 1) -> tuple[User, str]:
    """A user of *role* with a token; an enterprise user gets a new enterprise unless one is given."""
    if role is Role.ENTERPRISE and enterprise is None:
        enterprise = make_enterprise(session)
    user = create_user(
        session, f"user{next(_seq)}", role,
        department=Department.TRANSPORT if role is Role.SUPERVISOR else None,
        enterprise_id=enterprise.id if enterprise else None,
    )
    return user, issue_token(session, user, ttl_days=ttl_days)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_chemical(session: Session, **fields: object) -> Chemical:
    values = {"un_number": "1230", "name_zh": "甲醇", "name_en": "METHANOL", "hazard_class": "3"}
    values.update(fields)
    chemical = Chemical(**values)
    session.add(chemical)
    session.flush()
    return chemical


def make_site(session: Session, enterprise: Enterprise, **fields: object) -> Site:
    values = {"name": f"厂区{next(_seq)}", "kind": SiteKind.PLANT, "lon": 120.3, "lat": 31.6}
    values.update(fields)
    site = Site(enterprise_id=enterprise.id, **values)
    session.add(site)
    session.flush()
    return site


def _persist(session: Session, record: object) -> object:
    session.add(record)
    session.flush()
    return record


def make_permit(session: Session, holder: Enterprise, **fields: object) -> Permit:
    """A chemicals-operation permit for class 3, valid for this whole year, unless told otherwise."""
    year = dt.date.today().year
    values = {"kind": PermitKind.CHEMICALS_OPERATION, "number": f"苏危化经字〔{year}〕{next(_seq):04d}",
              "hazard_classes": ["3"], "un_numbers": [], "valid_from": dt.date(year, 1, 1),
              "valid_to": dt.date(year, 12, 31)}
    values.update(fields)
    return _persist(session, Permit(holder_id=holder.id, **values))  # type: ignore[return-value]


def valid_plate() -> str:
    return f"苏B{next(_seq) % 100000:05d}"


def valid_national_id(rng: random.Random | None = None) -> str:
    """A fictitious GB 11643 number (Wuxi prefix, a real date, a correct check character)."""
    rng = rng or random.Random()
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15000))
    body = f"320205{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + national_id_check_char(body)


def make_carrier(session: Session, **fields: object) -> Enterprise:
    return make_enterprise(session, roles=["carrier"], **fields)


def make_vehicle(session: Session, carrier: Enterprise, **fields: object) -> Vehicle:
    values = {"plate": valid_plate(), "kind": VehicleKind.TANK, "hazard_classes": ["3"],
              "rated_load_kg": Decimal("30000"), "tank_media": ["1230"], "gps_terminal_id": "013912345678"}
    values.update(fields)
    return _persist(session, Vehicle(carrier_id=carrier.id, **values))  # type: ignore[return-value]


def make_person(session: Session, employer: Enterprise, **fields: object) -> Person:
    number = valid_national_id()
    values = {"role": CrewRole.DRIVER, "name": f"司机{next(_seq)}", "certificate_number": f"C{next(_seq):08d}",
              "national_id_hash": hash_national_id(number, iterations=1),
              "national_id_masked": mask_national_id(number), "qualification_classes": ["3"],
              "valid_until": dt.date.today() + dt.timedelta(days=365)}
    values.update(fields)
    return _persist(session, Person(employer_id=employer.id, **values))  # type: ignore[return-value]
