"""Reading the units of sites and their current design maximums (``models/units.py``)."""
from __future__ import annotations

import uuid
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import DesignMaximum, SiteUnit

#: The name of the unit every site starts with.
DEFAULT_UNIT_NAME = "默认单元"


#: Beyond this many sites (or units) a list of ids is longer than one pass over every row is worth (and than
#: the bound parameters some SQLite builds allow).
MANY = 1000


def units_of(session: Session, site_ids: Collection[uuid.UUID]) -> list[SiteUnit]:
    """The units of *site_ids*, each site's default first, then by name."""
    if not site_ids:
        return []
    stmt = select(SiteUnit).order_by(SiteUnit.site_id, SiteUnit.is_default.desc(), SiteUnit.name)
    if len(site_ids) > MANY:
        return [unit for unit in session.scalars(stmt) if unit.site_id in site_ids]
    return list(session.scalars(stmt.where(SiteUnit.site_id.in_(list(site_ids)))))


def current_maxima(session: Session, unit_ids: Collection[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], Decimal]:
    """The current design maximum (kg) per (unit, chemical): the latest setting; withdrawn ones (0) left out."""
    if not unit_ids:
        return {}
    wanted = set(unit_ids)
    ranked = select(DesignMaximum.unit_id, DesignMaximum.chemical_id, DesignMaximum.quantity_kg,
                    func.row_number().over(partition_by=(DesignMaximum.unit_id, DesignMaximum.chemical_id),
                                           order_by=(DesignMaximum.set_at.desc(), DesignMaximum.id.desc()))
                    .label("n"))
    if len(unit_ids) <= MANY:
        ranked = ranked.where(DesignMaximum.unit_id.in_(list(unit_ids)))
    latest = ranked.subquery()
    rows = session.execute(select(latest.c.unit_id, latest.c.chemical_id, latest.c.quantity_kg)
                           .where(latest.c.n == 1, latest.c.quantity_kg > 0))
    return {(unit_id, chemical_id): kg for unit_id, chemical_id, kg in rows if unit_id in wanted}
