"""The e-waybill status machine (Order 29, 交通运输部令2019年第29号, Art. 24). Only the system moves a waybill
between states, and only along these edges.

    draft → issued (every check passed: no one approves an ordinary waybill) → in_transit → delivered → closed
    draft → awaiting_pass (剧毒 cargo or a corridor needing a pass) → issued when public security grants it
    issued | awaiting_pass → rejected (a supervisor flags it) → issued | awaiting_pass (corrected, checked again)
    issued → issued | awaiting_pass (a correction: a new version, checked again)
    cancelled from draft, awaiting_pass or issued
    submitted, approved: the states before Order 29's model, kept in the status history only
"""
from __future__ import annotations

import uuid

from app.errors import Conflict
from app.i18n import Text
from models.types import utcnow
from models.waybills import Waybill, WaybillEvent, WaybillStatus


S = WaybillStatus
#: Where a submission leads: issued, or awaiting its pass.
CHECKED = frozenset({S.ISSUED, S.AWAITING_PASS})
TRANSITIONS: dict[WaybillStatus, frozenset[WaybillStatus]] = {
    S.DRAFT: CHECKED | {S.CANCELLED},
    S.AWAITING_PASS: frozenset({S.ISSUED, S.REJECTED, S.CANCELLED}),
    S.ISSUED: CHECKED | {S.IN_TRANSIT, S.REJECTED, S.CANCELLED},
    S.REJECTED: CHECKED,
    S.IN_TRANSIT: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.SUBMITTED: frozenset(),
    S.APPROVED: frozenset(),
}

#: States in which the content may still be edited in place; after issue a correction is a new version.
EDITABLE = frozenset({S.DRAFT, S.REJECTED})


def check_transition(current: WaybillStatus, target: WaybillStatus) -> None:
    """Raise 409 Conflict unless the machine allows *current* → *target*."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (final state)"
        raise Conflict(Text("A waybill in status '{current}' cannot become '{target}'; allowed: {allowed}.",
                            current=current, target=target, allowed=allowed),
                       code="illegal_transition")


def transition(waybill: Waybill, target: WaybillStatus, actor_id: uuid.UUID, reason: str | None = None) -> WaybillEvent:
    """The event of moving *waybill* to *target* (raising 409 if the machine forbids it); the caller records it
    and the new status."""
    check_transition(waybill.status, target)
    return WaybillEvent(id=uuid.uuid4(), waybill_id=waybill.id, from_status=waybill.status, to_status=target,
                        version=waybill.version, actor_id=actor_id, reason=reason, at=utcnow())
