"""Where a waybill needs a pass (通行证) before it departs, and who grants it.

Ordinary waybills are issued when the carrier submits them and every check passes (Order 29 Art. 24: no
authority approves them). Two cases need a pass that the public-security department grants per trip:

* highly toxic (剧毒) cargo: the 剧毒化学品道路运输通行证 (危险化学品安全管理条例 Art. 50), applied for
  to the county public-security organ of the destination;
* explosives (class 1: 民用爆炸物品 or 烟花爆竹): 民用爆炸物品安全管理条例 Art. 3 (no one carries civil explosives
  without a permit) and Art. 4 (public security supervises their carriage): the 民用爆炸物品运输许可证, or for
  fireworks the 烟花爆竹道路运输许可证, which the public-security organ of the destination grants per trip
  (app/data/README.md, "E-waybill audit");
* a route through a corridor the authority marks as needing a pass (``Corridor.requires_pass``; the
  authority's local rule, e.g. a city's restricted-traffic area for dangerous goods vehicles), or a permitted
  corridor that enters an active zone so marked (``Zone.requires_pass``), for a zone that applies to a class on
  board.

Such a waybill waits as ``awaiting_pass`` until a supervisor of the public-security department grants the pass
(its number goes on the waybill); only then is it issued and may depart.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import PermissionDenied
from app.services.corridors import ZONE_FIELDS, zone_feature, zone_near
from models import Corridor, Department, Role, User
from models.catalogue import class_covers
from models.corridors import Zone
from models.waybills import Waybill
from routing.corridors import load_corridor

if TYPE_CHECKING:
    from app.services.waybills.checks import LoadedLine


def pass_reasons(session: Session, waybill: Waybill, lines: Sequence[LoadedLine]) -> list[str]:
    """Why *waybill* (with its checked *lines*) needs a pass; empty when it needs none."""
    reasons = [f"highly toxic (剧毒) UN {item.chemical.un_number}: road transport pass (危险化学品安全管理条例 Art. 50)"
               for item in lines if item.chemical.highly_toxic]
    reasons += [f"explosive (爆炸品) UN {item.chemical.un_number}: public security's road transport permit "
                "(民用爆炸物品运输许可证 / 烟花爆竹道路运输许可证, 民用爆炸物品安全管理条例 Art. 3)"
                for item in lines if is_explosive(item.chemical.hazard_class)]
    if waybill.corridor_id is not None:
        corridor = session.get_one(Corridor, waybill.corridor_id)
        if corridor.requires_pass:
            reasons.append(f"corridor {corridor.name} is open only with a pass")
        classes = {item.chemical.hazard_class or "" for item in lines}
        reasons += [f"corridor {corridor.name} enters zone {name}, entered only with a pass"
                    for name in pass_zones_entered(session, corridor, classes)]
    return list(dict.fromkeys(reasons))


def is_explosive(hazard_class: str | None) -> bool:
    """Class 1 (爆炸品), any division."""
    return class_covers("1", hazard_class or "")


def pass_zones_entered(session: Session, corridor: Corridor, hazard_classes: set[str]) -> list[str]:
    """Names of the active zones needing a pass that *corridor*'s permitted area (its lines buffered, its
    polygons, as the routing engine reads them) intersects, for a load of *hazard_classes*."""
    zones = [zone for zone in session.scalars(select(Zone).where(zone_near(corridor), Zone.requires_pass)
                                              .order_by(Zone.name))
             if not zone.hazard_classes or any(class_covers(scope, cls) for scope in zone.hazard_classes
                                               for cls in hazard_classes)]
    if not zones:
        return []
    features = list(corridor.geojson.get("features", [corridor.geojson]))
    features += [zone_feature(**{field: getattr(zone, field) for field in ZONE_FIELDS}) for zone in zones]
    parsed = load_corridor({"type": "FeatureCollection", "features": features})
    area = parsed.area()
    shapely.prepare(area)
    concerned = parsed.parts(forbidden=True)
    hits = shapely.intersects(area, np.array([zone.geometry for zone in concerned], dtype=object))
    return [zone.name for zone, hit in zip(concerned, hits, strict=True) if hit]


def check_grantor(user: User) -> None:
    """Only the public-security department (or an administrator) grants a pass."""
    if user.role is Role.ADMIN or (user.role is Role.SUPERVISOR and user.department is Department.PUBLIC_SECURITY):
        return
    raise PermissionDenied("Only a supervisor of the public-security department grants a pass.")
