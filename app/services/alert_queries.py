"""Reading alerts: the filtered list, one alert's history, and the change feed the stream serves."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.services.alerts import alert_json, visible_alerts
from models import Alert, AlertEvent, AlertKind, AlertState, Role, Severity, User


def filtered(user: User, *, state: AlertState | None = None, kind: AlertKind | None = None,
             severity: Severity | None = None, waybill: uuid.UUID | None = None,
             enterprise: uuid.UUID | None = None, site: uuid.UUID | None = None, since: dt.datetime | None = None,
             until: dt.datetime | None = None) -> Select[tuple[Alert]]:
    """The alerts *user* may see that match every filter given, newest first.

    ``severity`` keeps that tier and those above; ``since``/``until`` bound when the episode began.
    """
    conditions = [column == value for column, value in (
        (Alert.state, state), (Alert.kind, kind), (Alert.waybill_id, waybill), (Alert.enterprise_id, enterprise),
        (Alert.site_id, site)) if value is not None]
    if severity is not None:
        conditions.append(Alert.severity.in_([tier for tier in Severity if tier.rank >= severity.rank]))
    if since is not None:
        conditions.append(Alert.started_at >= since)
    if until is not None:
        conditions.append(Alert.started_at < until)
    return visible_alerts(user).where(*conditions).order_by(Alert.opened_at.desc(), Alert.id.desc())


def history(session: Session, alert: Alert) -> list[dict[str, Any]]:
    """Every change of *alert*, oldest first: what changed, who did it (none for the system) and when."""
    return [{"event_id": event.id, "change": str(event.change), "at": event.at.isoformat(),
             "actor_id": str(event.actor_id) if event.actor_id else None}
            for event in session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                                         .order_by(AlertEvent.id))]


@dataclass(frozen=True)
class FeedEvent:
    """One change as the stream sends it: its feed position and the alert as it is now."""

    id: int
    data: dict[str, Any]


def feed_head(session: Session) -> int:
    """The position of the newest change (0 when there is none): a stream without a position starts there."""
    return session.scalar(select(func.coalesce(func.max(AlertEvent.id), 0)))


def feed_after(session: Session, user: User, after: int, *, limit: int = 200) -> tuple[list[FeedEvent], int]:
    """The changes *user* may see after position *after*, oldest first, and the position to continue from.

    Changes commit in feed order (:func:`app.services.alerts._hold_feed`), so once a position is read nothing
    will ever appear before it. The head is read *before* the changes: every change up to it is then certainly
    in the second read, so the position may jump over changes the user may not see without missing one.
    """
    head = feed_head(session)
    query = (select(AlertEvent, Alert).join(Alert, Alert.id == AlertEvent.alert_id)
             .where(AlertEvent.id > after).order_by(AlertEvent.id).limit(limit))
    if user.role is Role.ENTERPRISE:
        query = query.where(Alert.id.in_(visible_alerts(user).with_only_columns(Alert.id)))
    rows = session.execute(query).all()
    events = [FeedEvent(event.id, {**alert_json(alert), "change": str(event.change), "changed_at": event.at.isoformat(),
                                   "actor_id": str(event.actor_id) if event.actor_id else None})
              for event, alert in rows]
    if len(rows) == limit:
        return events, events[-1].id
    return events, max(after, head, events[-1].id if events else 0)
