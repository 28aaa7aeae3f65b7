"""Where a waybill needs a pass (通行证) before it departs, and who grants it.

Ordinary waybills are issued when the carrier submits them and every check passes (Order 29 Art. 24: no
authority approves them). Two cases need a pass that the public-security department grants per trip:

* highly toxic (剧毒) cargo: the 剧毒化学品道路运输通行证 (危险化学品安全管理条例 Art. 50), applied for
  to the county public-security organ of the destination;
* a route through a corridor the authority marks as needing a pass (``Corridor.requires_pass``; the
  authority's local rule, e.g. a city's restricted-traffic area for dangerous goods vehicles).

Such a waybill waits as ``awaiting_pass`` until a supervisor of the public-security department grants the pass
(its number goes on the waybill); only then is it issued and may depart.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import PermissionDenied
from models import Corridor, Department, Role, User
from models.waybills import Waybill

if TYPE_CHECKING:
    from app.services.waybills.checks import LoadedLine


def pass_reasons(session: Session, waybill: Waybill, lines: Sequence[LoadedLine]) -> list[str]:
    """Why *waybill* (with its checked *lines*) needs a pass; empty when it needs none."""
    reasons = [f"highly toxic (剧毒) UN {item.chemical.un_number}: road transport pass (危险化学品安全管理条例 Art. 50)"
               for item in lines if item.chemical.highly_toxic]
    if waybill.corridor_id is not None:
        corridor = session.execute(select(Corridor.name, Corridor.requires_pass).where(
            Corridor.id == waybill.corridor_id)).one()
        if corridor.requires_pass:
            reasons.append(f"corridor {corridor.name} is open only with a pass")
    return list(dict.fromkeys(reasons))


def check_grantor(user: User) -> None:
    """Only the public-security department (or an administrator) grants a pass."""
    if user.role is Role.ADMIN or (user.role is Role.SUPERVISOR and user.department is Department.PUBLIC_SECURITY):
        return
    raise PermissionDenied("Only a supervisor of the public-security department grants a pass.")
