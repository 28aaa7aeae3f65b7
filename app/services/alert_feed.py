"""The alert change feed: every :class:`~models.alerts.AlertEvent` after a position, as the user may see it.

This is what a real-time stream serves (Server-Sent Events: ``id:`` the event id, ``event:`` the change,
``data:`` the alert as :func:`~app.services.alerts.alert_json` shows it, plus the change); a client that
reconnects with ``Last-Event-ID`` resumes exactly where it stopped, since event ids only grow.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from app.services.alerts import alert_json, visible_alerts
from models import Alert, AlertEvent, User

#: At most this many events per read; a client far behind catches up over a few reads.
BATCH = 200


@dataclass(frozen=True)
class FeedItem:
    id: int
    change: str
    data: dict[str, Any]

    def sse(self) -> str:
        """The item as one Server-Sent Events message."""
        return f"id: {self.id}\nevent: {self.change}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


def latest_event_id(session: Session) -> int:
    """The feed's current position (0 when nothing has happened yet)."""
    return session.scalar(select(func.coalesce(func.max(AlertEvent.id), 0)))


def events_after(session: Session, user: User, after: int, *, limit: int = BATCH) -> list[FeedItem]:
    """The changes after event *after* of the alerts *user* may see, oldest first."""
    visible = visible_alerts(user).with_only_columns(Alert.id)
    rows = session.scalars(
        select(AlertEvent).join(AlertEvent.alert).options(contains_eager(AlertEvent.alert))
        .where(AlertEvent.id > after, AlertEvent.alert_id.in_(visible)).order_by(AlertEvent.id).limit(limit))
    return [FeedItem(event.id, event.change.value, {**alert_json(event.alert), "change": event.change.value})
            for event in rows]
