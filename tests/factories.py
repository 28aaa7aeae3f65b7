"""Test data builders. Each writes through the given session and returns the object (and token)."""
from __future__ import annotations

import itertools
import random

from sqlalchemy.orm import Session

from app.services.users import create_user, issue_token
from models import Chemical, Department, Enterprise, Role, Site, SiteKind, User
from models.identifiers import uscc_check_char

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
