"""Raising, updating, acknowledging and closing alerts, and who may see which.

Checks call :func:`raise_alert` inside their own transaction with a key naming the episode; calling it again
with the same key updates that alert (debouncing) and records the change only when something did change, so
re-checking the same evidence is silent; a rise in severity escalates it (an acknowledged alert opens again).
People move alerts with :func:`acknowledge` and :func:`close`; the system closes one whose situation is over
with :func:`resolve` (the policy per kind: ``alert_policy.py``).
Every change appends an :class:`~models.alerts.AlertEvent` for the real-time stream.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.i18n import Text
from app.services import alert_signal, unit_of_work
from app.services.alert_text import alert_title, describe
from models import Alert, AlertChange, AlertEvent, AlertKind, AlertState, Role, Severity, User, Waybill
from models.types import utcnow

#: The advisory lock that orders the change feed (PostgreSQL), see :func:`_hold_feed`.
FEED_LOCK_KEY = 0x687A6C61  # "hzla"
#: The fields a check may refresh on an existing alert as its episode grows.
_GROWING = ("last_seen_at", "ended_at", "details", "lon", "lat", "title")


def raise_alert(session: Session, *, key: str, kind: AlertKind, severity: Severity, started_at: dt.datetime,
                subject: str | None = None, title: str | None = None, last_seen_at: dt.datetime | None = None,
                ended_at: dt.datetime | None = None, enterprise_id: uuid.UUID | None = None,
                waybill_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None,
                batch_id: uuid.UUID | None = None, lon: float | None = None, lat: float | None = None,
                details: dict[str, Any] | None = None) -> tuple[Alert, AlertChange | None]:
    """Open the alert for episode *key*, or bring the open one up to date; the caller commits.

    Returns the alert and the change recorded (``None`` when nothing changed, or when the alert was closed:
    a closed episode is not reopened; a recurrence is a new episode with a new key). Severity only rises.
    Its title is made from *kind*, *subject* and *details* (``alert_text.py``); *title* is for an alert those
    cannot describe.
    """
    title = describe(kind, subject, details) or title or str(kind)
    values = {"last_seen_at": last_seen_at or started_at, "ended_at": ended_at, "details": details or {},
              "lon": lon, "lat": lat, "title": title}
    alert = session.scalars(select(Alert).where(Alert.key == key)).one_or_none()
    if alert is None:
        alert = Alert(key=key, kind=kind, severity=severity, title=title, subject=subject, started_at=started_at,
                      enterprise_id=enterprise_id, waybill_id=waybill_id, site_id=site_id, batch_id=batch_id,
                      **{name: values[name] for name in _GROWING if name != "title"})
        session.add(alert)
        return alert, _record(session, alert, AlertChange.OPENED)
    if alert.state is AlertState.CLOSED:
        return alert, None
    changed = False
    for name in _GROWING:
        if getattr(alert, name) != values[name]:
            setattr(alert, name, values[name])
            changed = True
    if severity.rank > alert.severity.rank:
        return alert, _escalate(session, alert, severity)
    return alert, (_record(session, alert, AlertChange.UPDATED) if changed else None)


def _escalate(session: Session, alert: Alert, severity: Severity) -> AlertChange:
    """The episode got worse: a new action is due, so an acknowledged alert is open again (its acknowledgement
    stays in its history); the escalation is recorded either way."""
    alert.severity, alert.escalated_at = severity, utcnow()
    if alert.state is AlertState.ACKNOWLEDGED:
        alert.state = AlertState.OPEN
    return _record(session, alert, AlertChange.ESCALATED)


#: Who closed an alert nobody closed.
SYSTEM = "system"


def resolve(session: Session, alert: Alert, reason: str, at: dt.datetime | None = None) -> AlertChange | None:
    """The situation behind *alert* is over: the system closes it, saying why; the caller commits. A closed
    alert stays as it is (None)."""
    if alert.state is AlertState.CLOSED:
        return None
    alert.state, alert.closed_at, alert.closed_by = AlertState.CLOSED, at or utcnow(), None
    alert.resolved_by, alert.resolution = SYSTEM, reason[:300]
    return _record(session, alert, AlertChange.RESOLVED)


def acknowledge(session: Session, user: User, alert_id: uuid.UUID, note: str | None = None) -> Alert:
    """A person has seen the alert and is dealing with it (open → acknowledged)."""
    return _move(session, user, alert_id, AlertState.ACKNOWLEDGED, note, allowed_from=(AlertState.OPEN,))


def close(session: Session, user: User, alert_id: uuid.UUID, note: str | None = None) -> Alert:
    """The alert is dealt with (open or acknowledged → closed)."""
    return _move(session, user, alert_id, AlertState.CLOSED, note,
                 allowed_from=(AlertState.OPEN, AlertState.ACKNOWLEDGED))


def visible_alerts(user: User) -> Select[tuple[Alert]]:
    """The alerts *user* may see: all for the authority's roles; an enterprise those it answers for, or that
    concern a waybill it is a party to."""
    query = select(Alert)
    if user.role is Role.ENTERPRISE:
        party = select(Waybill.id).where(or_(Waybill.shipper_id == user.enterprise_id,
                                             Waybill.consignee_id == user.enterprise_id,
                                             Waybill.carrier_id == user.enterprise_id))
        query = query.where(or_(Alert.enterprise_id == user.enterprise_id, Alert.waybill_id.in_(party)))
    return query


def get_alert(session: Session, user: User, alert_id: uuid.UUID) -> Alert:
    """The alert, or 404 when it does not exist or *user* may not see it."""
    alert = session.scalars(visible_alerts(user).where(Alert.id == alert_id)).one_or_none()
    if alert is None:
        raise NotFound(Text("No alert {id}.", id=alert_id))
    return alert


def _move(session: Session, user: User, alert_id: uuid.UUID, to: AlertState, note: str | None,
          *, allowed_from: tuple[AlertState, ...]) -> Alert:
    with unit_of_work(session):
        alert = get_alert(session, user, alert_id)
        if alert.state not in allowed_from:
            raise Conflict(Text("The alert is {state}; it cannot become {to}.", state=alert.state,
                                to=to), code="illegal_transition")
        now = utcnow()
        alert.state, alert.note = to, note
        if to is AlertState.ACKNOWLEDGED:
            alert.acknowledged_at, alert.acknowledged_by = now, user.id
        else:
            alert.closed_at, alert.closed_by = now, user.id
        _record(session, alert, AlertChange(to.value), actor=user)
    return alert


def _record(session: Session, alert: Alert, change: AlertChange, actor: User | None = None) -> AlertChange:
    _hold_feed(session)
    alert.updated_at = utcnow()
    session.add(AlertEvent(alert=alert, change=change, actor_id=actor.id if actor else None))
    alert_signal.mark(session)
    return change


def _hold_feed(session: Session) -> None:
    """Make the change feed commit in id order: a reader that has seen event 11 must never find 10 later.

    PostgreSQL hands out sequence values when rows are inserted but transactions commit in any order, so
    without this a stream past 11 would skip a 10 committed after it. A transaction appending to the feed
    takes one advisory lock until it ends: appends, and so commits, go one at a time in id order. SQLite has
    one writer at a time anyway. Writers should append their alert changes late in their transaction.

    The lock is taken before the alert's pending changes are flushed, so every writer locks the feed before
    any alert row: two writers never wait for each other in opposite orders.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.info.get(_FEED_HELD)
    if held is not None and held is _innermost(session):
        return  # held since this transaction's first change, its NOTIFY sent: once for all of a batch's alerts
    with session.no_autoflush:  # and announce the change to the other processes' streams, at commit
        session.execute(select(func.pg_advisory_xact_lock(FEED_LOCK_KEY), func.pg_notify(alert_signal.CHANNEL, "")))
    session.info[_FEED_HELD] = _innermost(session)


def _innermost(session: Session) -> Any:
    """The session's current transaction, a savepoint's when in one (a savepoint rolled back releases the lock it
    took, so the feed is held again after it)."""
    return session.get_nested_transaction() or session.get_transaction()


#: The transaction of the session that holds the feed's lock (:func:`_hold_feed`).
_FEED_HELD = "hazledger_alert_feed_held"


def alert_json(alert: Alert) -> dict[str, Any]:
    """The alert as the API, the stream and the pages show it."""
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(alert.id), "key": alert.key, "kind": str(alert.kind), "severity": str(alert.severity),
        "state": str(alert.state), "title": alert_title(alert), "subject": alert.subject,
        "enterprise_id": str(alert.enterprise_id) if alert.enterprise_id else None,
        "waybill_id": str(alert.waybill_id) if alert.waybill_id else None,
        "site_id": str(alert.site_id) if alert.site_id else None,
        "batch_id": str(alert.batch_id) if alert.batch_id else None,
        "started_at": iso(alert.started_at), "last_seen_at": iso(alert.last_seen_at),
        "ended_at": iso(alert.ended_at), "location": None if alert.lon is None else [alert.lon, alert.lat],
        "details": alert.details, "opened_at": iso(alert.opened_at), "updated_at": iso(alert.updated_at),
        "acknowledged_at": iso(alert.acknowledged_at),
        "acknowledged_by": str(alert.acknowledged_by) if alert.acknowledged_by else None,
        "closed_at": iso(alert.closed_at), "closed_by": str(alert.closed_by) if alert.closed_by else None,
        "note": alert.note, "resolved_by": alert.resolved_by, "resolution": alert.resolution,
        "escalated_at": iso(alert.escalated_at),
    }
