"""The alert change feed: every :class:`~models.alerts.AlertEvent` after a position, as the user may see it.

This is what a real-time stream serves (Server-Sent Events: ``id:`` the event id, ``event:`` the change,
``data:`` the alert as :func:`~app.services.alerts.alert_json` shows it, plus the change); a client that
reconnects with ``Last-Event-ID`` resumes where it stopped, since event ids only grow.

A minimal reader for the pages' stream until the alerts API's own feed lands; it has that feed's names and
shapes (``feed_head``, ``feed_after`` → events and the position to continue from), so the pages can switch to
it by changing one import.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.alerts import alert_json, visible_alerts
from models import Alert, AlertEvent, Role, User


@dataclass(frozen=True)
class FeedEvent:
    """One change: its feed position and the alert as it is now, with ``change`` naming what happened."""

    id: int
    data: dict[str, Any]


def feed_head(session: Session) -> int:
    """The position of the newest change (0 when nothing has happened yet)."""
    return session.scalar(select(func.coalesce(func.max(AlertEvent.id), 0)))


def feed_after(session: Session, user: User, after: int, *, limit: int = 200) -> tuple[list[FeedEvent], int]:
    """The changes *user* may see after position *after*, oldest first, and the position to continue from."""
    query = (select(AlertEvent, Alert).join(Alert, Alert.id == AlertEvent.alert_id)
             .where(AlertEvent.id > after).order_by(AlertEvent.id).limit(limit))
    if user.role is Role.ENTERPRISE:  # the authorities see every alert
        query = query.where(Alert.id.in_(visible_alerts(user).with_only_columns(Alert.id)))
    rows = session.execute(query).all()
    events = [FeedEvent(event.id, {**alert_json(alert), "change": str(event.change)}) for event, alert in rows]
    return events, events[-1].id if events else after
