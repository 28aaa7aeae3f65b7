"""The sweep for silent vehicles: trips in transit from which no fix has come for more than ``max_gap_s``.

Batches only tell of a gap once the next fix arrives; a vehicle that sends nothing at all is found here. One
query picks the candidates (in transit, last fix or else departure older than the threshold); each is then
handled in a transaction of its own that takes the trip's state row as a batch does (:func:`.state.lock_state`)
and looks again, so a batch being checked at the same moment is waited for, not raced, and a sweep running in
several processes at once raises each alert once (the key debounces it). Run it from ``hazledger track sweep``
or the server's background thread (``hazledger serve``).
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services import unit_of_work
from app.services.monitoring.gaps import departure, ongoing_gap
from app.services.monitoring.settings import MonitorSettings, current_settings
from app.services.monitoring.state import lock_state
from app.services.monitoring.trip import load_trip
from models import Alert, TripState, Waybill, WaybillStatus
from models.types import utcnow


def silent_trips(session: Session, now: dt.datetime, settings: MonitorSettings) -> list[uuid.UUID]:
    """Trips in transit whose last fix (or departure, before any) is older than ``max_gap_s`` at *now*."""
    since = func.coalesce(TripState.last_at, Waybill.departed_at)
    return list(session.scalars(
        select(Waybill.id).outerjoin(TripState, TripState.waybill_id == Waybill.id)
        .where(Waybill.status == WaybillStatus.IN_TRANSIT, since < now - dt.timedelta(seconds=settings.max_gap_s))
        .order_by(since)))


def sweep(session: Session, *, now: dt.datetime | None = None,
          settings: MonitorSettings | None = None) -> list[Alert]:
    """Raise or update the signal-gap alert of every silent trip; the alerts that changed.

    The departure window is checked on the way: a trip that sends nothing is not checked otherwise.
    """
    now = now or utcnow()
    settings = settings or current_settings()
    with unit_of_work(session):  # only reads: ends the transaction before the per-trip ones
        candidates = silent_trips(session, now, settings)
    changed = []
    for waybill_id in candidates:  # one small transaction per silent trip, not per fix
        with unit_of_work(session):
            state = lock_state(session, waybill_id)
            waybill = session.get(Waybill, waybill_id, populate_existing=True)
            if waybill.status is not WaybillStatus.IN_TRANSIT:
                continue
            trip = load_trip(session, waybill)
            found = [ongoing_gap(session, trip, state, waybill, now, settings)]
            if state.fixes_checked == 0:
                found.append(departure(session, trip, waybill))
            changed += [alert for alert in found if alert is not None]
    return changed
