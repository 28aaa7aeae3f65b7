"""The choices the firm's forms offer: the firm's own sites and batches, and the registered parties,
vehicles, crews and sites a waybill may name (the service still refuses any that is not the right party's)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.services.ledger.queries import visible_batches
from app.services.registry import json_list_has
from models import Chemical, Enterprise, EnterpriseRole, Person, Site, User, Vehicle

Options = list[tuple[str, str]]


def _enterprises(*, carriers: bool = False, excluding: Any = None) -> Options:
    stmt = select(Enterprise.id, Enterprise.name).where(Enterprise.active).order_by(Enterprise.name)
    if carriers:
        stmt = stmt.where(json_list_has(Enterprise.roles, EnterpriseRole.CARRIER.value))
    return [(str(i), name) for i, name in db.session.execute(stmt) if i != excluding]


def _sites(owner: Any = None) -> Options:
    stmt = (select(Site.id, Site.name, Enterprise.name).join(Enterprise, Enterprise.id == Site.enterprise_id)
            .where(Site.active).order_by(Enterprise.name, Site.name))
    if owner is not None:
        stmt = stmt.where(Site.enterprise_id == owner)
        return [(str(i), site) for i, site, _ in db.session.execute(stmt)]
    return [(str(i), f"{site} · {firm}") for i, site, firm in db.session.execute(stmt)]


def _batches(user: User, *, by: str = "id") -> Options:
    return [(str(getattr(b, by)), f"{b.code} · {b.chemical.name_zh or b.chemical.name_en}")
            for b in db.session.scalars(visible_batches(user).limit(500))]


def _chemicals() -> Options:
    stmt = (select(Chemical.id, Chemical.un_number, Chemical.name_zh, Chemical.name_en).where(Chemical.active)
            .order_by(Chemical.un_number, Chemical.name_zh).limit(3000))
    return [(str(i), f"UN{un or '—'} {zh or en or ''}") for i, un, zh, en in db.session.execute(stmt)]


def waybill_options(user: User) -> dict[str, Options]:
    carrier = json_list_has(Enterprise.roles, EnterpriseRole.CARRIER.value)
    vehicles = db.session.execute(select(Vehicle.id, Vehicle.plate, Enterprise.name)
                                  .join(Enterprise, Enterprise.id == Vehicle.carrier_id)
                                  .where(Vehicle.active, carrier).order_by(Enterprise.name, Vehicle.plate))
    crew = db.session.execute(select(Person.id, Person.name, Person.role, Enterprise.name)
                              .join(Enterprise, Enterprise.id == Person.employer_id)
                              .where(Person.active, carrier).order_by(Enterprise.name, Person.name))
    people = [(str(i), f"{name} · {role.value} · {firm}") for i, name, role, firm in crew]
    return {"consignee_id": _enterprises(excluding=user.enterprise_id), "carrier_id": _enterprises(carriers=True),
            "vehicle_id": [(str(i), f"{plate} · {firm}") for i, plate, firm in vehicles], "driver_id": people,
            "loading_site_id": _sites(user.enterprise_id), "unloading_site_id": _sites(), "batch_id": _batches(user)}


def batch_options(user: User) -> dict[str, Options]:
    return {"chemical_id": _chemicals(), "site_id": _sites(user.enterprise_id)}


def movement_options(user: User) -> dict[str, Options]:
    own = _sites(user.enterprise_id)
    return {"batch": _batches(user, by="code"), "chemical_id": _chemicals(), "site_id": own, "from_site_id": own,
            "to_site_id": _sites(), "carrier_id": _enterprises(carriers=True)}
