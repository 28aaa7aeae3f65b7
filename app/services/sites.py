"""Sites: an enterprise registers its own plants, warehouses, tank farms, terminals and disposal facilities.

A new site comes with its default unit (GB 18218 §3.5/§3.6; ``app/services/units.py``), where its stock is held
until a supervisor registers more units.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.hazards.design_maxima import DEFAULT_UNIT_NAME
from app.services.registry import Registry, owned_filters
from models import Site, SiteKind, SiteUnit, UnitKind


def default_unit(session: Session, site: Site) -> SiteUnit:
    """The site's default unit (a plant's a production unit, any other site's a storage unit), made on first
    need for a site registered without one; the caller commits."""
    unit = session.scalars(select(SiteUnit).where(SiteUnit.site_id == site.id, SiteUnit.is_default)).one_or_none()
    if unit is None:
        unit = SiteUnit(id=uuid.uuid4(), site_id=site.id, name=DEFAULT_UNIT_NAME, is_default=True, active=True,
                        kind=UnitKind.PRODUCTION if site.kind is SiteKind.PLANT else UnitKind.STORAGE)
        session.add(unit)
        session.flush()
    return unit


SITES = Registry(
    model=Site, label="site", order_by=(Site.name, Site.id), scope=Site.enterprise_id,
    filters={
        **owned_filters(Site.enterprise_id, Site.active, Site.name),
        "kind": lambda kind: Site.kind == kind,
        "district": lambda adcode: Site.district_adcode == adcode,
    },
    after_create=default_unit,
)
