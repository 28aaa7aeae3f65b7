"""Units of a site and the figures that set its GB 18218 grade: design maximums and the exposed population.

A site's units are its production and storage units (GB 18218-2018 §3.5, §3.6); each site has a default unit
where stock lands when a movement names none. The grade comes from each unit's registered design maximums
(§4.2.2) and the site's exposed population (Table 5's α). A firm could lower its own grade by changing them,
so only a supervisor (or an administrator) registers units and sets these figures, each time with a reason;
every setting is kept (``models/units.py``) and readable as the figures' history.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, ValidationFailed
from app.i18n import N_, Text
from app.services import registry, unit_of_work
from app.services.hazards import major_hazard
from app.services.hazards.design_maxima import units_of
from app.services.sites import SITES, default_unit
from models import Chemical, DesignMaximum, PopulationChange, Site, SiteUnit, UnitKind, User
from models.types import utcnow

_KG_PER_T = Decimal(1000)


def visible_site(session: Session, user: User, site_id: uuid.UUID) -> Site:
    """The site, if *user* may see it (404 otherwise, also for another firm's)."""
    return registry.get(session, SITES, user, site_id)


def add_unit(session: Session, user: User, site_id: uuid.UUID, *, name: str, kind: UnitKind) -> SiteUnit:
    """Register a production or storage unit of a site (its boundaries set how the site is graded)."""
    with unit_of_work(session):
        site = visible_site(session, user, site_id)
        default_unit(session, site)
        if session.scalar(select(SiteUnit.id).where(SiteUnit.site_id == site_id, SiteUnit.name == name)):
            raise Conflict(Text("The site already has a unit named '{name}'.",
                                name=name), errors={"name": [N_("already in use")]})
        unit = SiteUnit(id=uuid.uuid4(), site_id=site_id, name=name, kind=kind, is_default=False, active=True)
        session.add(unit)
    return unit


def _unit(session: Session, site: Site, unit_id: uuid.UUID | None) -> SiteUnit:
    if unit_id is None:
        return default_unit(session, site)
    unit = session.get(SiteUnit, unit_id)
    if unit is None or unit.site_id != site.id:
        raise ValidationFailed(Text("No unit {unit_id} of this site.",
                                    unit_id=unit_id), errors={"unit_id": [N_("not a unit of this site")]})
    return unit


def set_design_maximum(session: Session, user: User, site_id: uuid.UUID, *, chemical_id: uuid.UUID,
                       quantity_t: Decimal, reason: str, unit_id: uuid.UUID | None = None) -> DesignMaximum:
    """Register a unit's design maximum of a chemical (0 withdraws it); raise an alert when this makes the
    site a major hazard source or moves it up a grade."""
    with unit_of_work(session):
        site = visible_site(session, user, site_id)
        unit = _unit(session, site, unit_id)
        if session.get(Chemical, chemical_id) is None:
            raise ValidationFailed(Text("No chemical {chemical_id}.",
                                        chemical_id=chemical_id), errors={"chemical_id": [N_("unknown chemical")]})
        with major_hazard.regrading(session, site):
            row = DesignMaximum(id=uuid.uuid4(), unit_id=unit.id, chemical_id=chemical_id,
                                quantity_kg=quantity_t * _KG_PER_T, reason=reason, set_by=user.id, set_at=utcnow())
            session.add(row)
            session.flush()
    return row


def set_population(session: Session, user: User, site_id: uuid.UUID, *, exposed_population: int | None,
                   reason: str) -> PopulationChange:
    """Set the number of people within 500 m of the site (None: not known, α by policy), with the reason."""
    with unit_of_work(session):
        site = visible_site(session, user, site_id)
        with major_hazard.regrading(session, site):
            row = PopulationChange(id=uuid.uuid4(), site_id=site.id, exposed_population=exposed_population,
                                   previous=site.exposed_population, reason=reason, set_by=user.id, set_at=utcnow())
            session.add(row)
            site.exposed_population = exposed_population
            session.flush()
    return row


def history(session: Session, user: User, site_id: uuid.UUID) -> dict[str, Any]:
    """Every setting of the site's design maximums and exposed population, newest first."""
    site = visible_site(session, user, site_id)
    units = {u.id: u for u in units_of(session, [site.id])}
    maxima = session.execute(select(DesignMaximum, Chemical.name_zh).join(Chemical)
                             .where(DesignMaximum.unit_id.in_(list(units)))
                             .order_by(DesignMaximum.set_at.desc(), DesignMaximum.id)).all()
    people = session.scalars(select(PopulationChange).where(PopulationChange.site_id == site.id)
                             .order_by(PopulationChange.set_at.desc(), PopulationChange.id))
    return {
        "site_id": site.id,
        "design_maxima": [{"unit_id": m.unit_id, "unit": units[m.unit_id].name, "chemical_id": m.chemical_id,
                           "chemical": name, "quantity_t": m.quantity_kg / _KG_PER_T, "reason": m.reason,
                           "set_by": m.set_by, "set_at": m.set_at} for m, name in maxima],
        "exposed_population": [{"exposed_population": p.exposed_population, "previous": p.previous,
                                "reason": p.reason, "set_by": p.set_by, "set_at": p.set_at} for p in people],
    }
