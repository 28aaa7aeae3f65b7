"""The e-waybill status machine. Only the system moves a waybill between states, and only along these edges.

    draft → submitted → approved | rejected → in_transit → delivered → closed
    cancelled from draft, submitted or approved
    rejected → submitted (resubmission after correction); approved → submitted (a correction, new version)
"""
from __future__ import annotations

import uuid

from app.errors import Conflict
from models.types import utcnow
from models.waybills import Waybill, WaybillEvent, WaybillStatus


S = WaybillStatus
TRANSITIONS: dict[WaybillStatus, frozenset[WaybillStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.IN_TRANSIT, S.CANCELLED, S.SUBMITTED}),
    S.REJECTED: frozenset({S.SUBMITTED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: States in which the content may still be edited in place; after approval a correction is a new version.
EDITABLE = frozenset({S.DRAFT, S.REJECTED})


def check_transition(current: WaybillStatus, target: WaybillStatus) -> None:
    """Raise 409 Conflict unless the machine allows *current* → *target*."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (final state)"
        raise Conflict(f"A waybill in status '{current}' cannot become '{target}'; allowed: {allowed}.",
                       code="illegal_transition")


def transition(waybill: Waybill, target: WaybillStatus, actor_id: uuid.UUID, reason: str | None = None) -> WaybillEvent:
    """The event of moving *waybill* to *target* (raising 409 if the machine forbids it); the caller records it
    and the new status."""
    check_transition(waybill.status, target)
    return WaybillEvent(id=uuid.uuid4(), waybill_id=waybill.id, from_status=waybill.status, to_status=target,
                        version=waybill.version, actor_id=actor_id, reason=reason, at=utcnow())
