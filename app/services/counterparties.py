"""The counterparty directory: who a shipper or carrier may name on a consignment list or a waybill.

An enterprise sees only its own registry records, yet must name its consignee, its carrier and the unloading
site. The directory shows every active enterprise with what a counterparty must know and nothing private: its
name, unified social credit code (USCC, public on its business licence), roles, and its active sites (name,
kind, address). No permits, people, vehicles, stock or coordinates. The API's ``/counterparties`` and the web
form's choices both read it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.services.registry import json_list_has
from models import Enterprise, EnterpriseRole, Site, SiteKind


@dataclass(frozen=True)
class ListedSite:
    id: uuid.UUID
    name: str
    kind: SiteKind
    address: str | None


@dataclass
class Counterparty:
    id: uuid.UUID
    name: str
    uscc: str
    roles: list[str]
    sites: list[ListedSite] = field(default_factory=list)


def directory_query(role: EnterpriseRole | None = None, name: str | None = None) -> Select[tuple[Enterprise]]:
    """The active enterprises (having *role*, whose name contains *name*), by name."""
    stmt = select(Enterprise).where(Enterprise.active).order_by(Enterprise.name, Enterprise.id)
    if role is not None:
        stmt = stmt.where(json_list_has(Enterprise.roles, role.value))
    if name:
        stmt = stmt.where(Enterprise.name.contains(name, autoescape=True))
    return stmt


def with_sites(session: Session, enterprises: list[Enterprise]) -> list[Counterparty]:
    """*enterprises* as the directory lists them, each with its active sites."""
    listed = {e.id: Counterparty(e.id, e.name, e.uscc, list(e.roles)) for e in enterprises}
    if listed:
        for site in session.execute(select(Site.enterprise_id, Site.id, Site.name, Site.kind, Site.address).where(
                Site.active, Site.enterprise_id.in_(list(listed))).order_by(Site.name, Site.id)):
            listed[site.enterprise_id].sites.append(ListedSite(site.id, site.name, site.kind, site.address))
    return list(listed.values())
