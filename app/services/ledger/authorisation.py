"""The one place where the ledger decides whether an enterprise may post an activity.

Every posting use case calls :func:`authorise_posting` once per (entry kind, chemical) before it writes
anything. The acting enterprise must exist and be active, and for the kinds below it must hold a valid permit
covering the chemical on the day of the event (the registry's :func:`~app.services.permits.permit_decision`);
one of the listed activities suffices:

==============  ==========================================  ============================================
entry kind      activities (any one)                        why
==============  ==========================================  ============================================
produce         produce                                     安全生产许可证
receive, split  store, trade, use, produce                  whoever holds stock must be allowed to
load            store, trade, use, produce                  the shipper hands its own stock to a carrier
transfer        store, trade, produce                       storage moves, or a sale (trade)
unload          transport                                   the carrier delivers
consume         use                                         安全使用许可证
transform       use, produce                                a process that uses or makes chemicals
dispose         dispose                                     危险废物经营许可证
==============  ==========================================  ============================================

Generating waste, losses, stocktake adjustments and reversals record what happened to stock already held;
they need no permit of their own.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from app.errors import NotFound, PermissionDenied
from app.i18n import Text
from app.services.permits import Activity, permit_decision
from models import Enterprise

A = Activity
HOLD = (A.STORE, A.TRADE, A.USE, A.PRODUCE)
PERMITTED_BY: dict[str, tuple[Activity, ...]] = {
    "produce": (A.PRODUCE,),
    "receive": HOLD,
    "split": HOLD,
    "load": HOLD,
    "transfer": (A.STORE, A.TRADE, A.PRODUCE),
    "unload": (A.TRANSPORT,),
    "consume": (A.USE,),
    "transform": (A.USE, A.PRODUCE),
    "dispose": (A.DISPOSE,),
}


def authorise_posting(session: Session, *, enterprise_id: uuid.UUID, activity: str, chemical_id: uuid.UUID,
                      on: dt.date) -> None:
    """Raise unless *enterprise_id* may perform *activity* (an entry kind) on *chemical_id* on date *on*."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(Text("No enterprise {id}.", id=enterprise_id))
    if not enterprise.active:
        raise PermissionDenied(Text("Enterprise {name} is not active and may not {activity} on {on}.",
                                    name=enterprise.name, activity=activity, on=on),
                               code="enterprise_inactive")
    activities = PERMITTED_BY.get(activity, ())
    if not activities:
        return
    decisions = [permit_decision(session, enterprise_id, a, chemical_id, on) for a in activities]
    if not any(decision.allowed for decision in decisions):
        raise PermissionDenied(Text("{name} may not {activity} this chemical on {on}: {reason}.", name=enterprise.name,
                                    activity=activity, on=on, reason=decisions[0].reason),
                               code="no_permit")
