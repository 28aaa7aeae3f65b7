"""When an alert resolves by itself, and what escalation does: the policy per kind (docs/alerts.md).

=================  ==============================================================  ==========================
kind               resolves by itself (closed, ``resolved_by = 'system'``)          where
=================  ==============================================================  ==========================
waste_overdue      the waste is no longer stored at the generator's site            the ledger transaction
                   (disposed of, handed to a disposer, moved: the holding is 0)     that emptied it
signal_gap         the trip is over: the waybill is no longer in transit            the arrival
                   (delivered, closed, cancelled)
major_hazard       never: becoming a major hazard source (or a grade higher) is a    —
                   duty to register and control that does not end when stock falls
                   (and a level swinging round a threshold must not flap alerts)
deviation,         never: a breach that happened stays for a person to review       —
forbidden_zone,    and close
stop, time_window,
overspeed,
arrival_elsewhere,
fatigue_driving
=================  ==============================================================  ==========================

The server's sweeper also runs :func:`settle`, which applies the same rules to alerts left open before them
(or by a transaction that did not see them). Escalation, for every kind: when an alert's severity rises it is
recorded as ``escalated`` (``escalated_at``), and an acknowledged alert is open again, for a new action
(``alerts._escalate``). A closed alert is never reopened: a recurrence is a new episode.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import unit_of_work
from app.services.alerts import resolve
from models import Alert, AlertKind, AlertState, Waybill, WaybillStatus
from models.types import utcnow

WASTE_GONE = "the waste is no longer stored at this site: disposed of, handed to a disposer or moved"


def trip_over(status: WaybillStatus) -> str:
    return f"the trip is over (waybill {status}): the vehicle is no longer in transit; the gap stays on record"


def resolve_trip_gaps(session: Session, waybill: Waybill, at: dt.datetime) -> list[Alert]:
    """The signal-gap alerts of *waybill*, whose trip is over; the caller commits."""
    gaps = session.scalars(select(Alert).where(Alert.waybill_id == waybill.id, Alert.kind == AlertKind.SIGNAL_GAP,
                                               Alert.state != AlertState.CLOSED))
    return [alert for alert in gaps if resolve(session, alert, trip_over(waybill.status), at)]


def settle(session: Session, now: dt.datetime | None = None) -> list[Alert]:
    """Resolve every open alert whose situation is over by the rules above; one transaction."""
    now = now or utcnow()
    with unit_of_work(session):
        waste = session.scalars(select(Alert).where(
            Alert.kind == AlertKind.WASTE_OVERDUE, Alert.state != AlertState.CLOSED, Alert.ended_at.is_not(None)))
        settled = [alert for alert in waste if resolve(session, alert, WASTE_GONE, now)]
        gaps = session.execute(select(Alert, Waybill.status).join(Waybill, Waybill.id == Alert.waybill_id).where(
            Alert.kind == AlertKind.SIGNAL_GAP, Alert.state != AlertState.CLOSED,
            Waybill.status != WaybillStatus.IN_TRANSIT)).all()
        settled += [alert for alert, status in gaps if resolve(session, alert, trip_over(status), now)]
    return settled
