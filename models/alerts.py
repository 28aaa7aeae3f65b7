"""Alerts raised by the monitoring checks (trips) and by the inventory rules (sites, waste).

An alert stands for one *episode* (a deviation from its first to its last fix, a site crossing into a major
hazard source, a waste batch stored too long): its ``key`` names the episode, so a check that sees the same
episode again updates the alert instead of raising a second one (debouncing). A supervisor moves it
open → acknowledged → closed, and who did so and when is kept; the system closes an alert whose situation is
over and re-opens an acknowledged one that escalates (``app/services/alert_policy.py``, docs/alerts.md).

Every change also appends an :class:`AlertEvent`; its increasing id is the position in the change feed that
the real-time stream serves (``Last-Event-ID``).
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import CreatedAt, UuidPk


class AlertKind(enum.StrEnum):
    DEVIATION = "deviation"
    FORBIDDEN_ZONE = "forbidden_zone"
    STOP = "stop"
    SIGNAL_GAP = "signal_gap"
    TIME_WINDOW = "time_window"
    OVERSPEED = "overspeed"
    ARRIVAL_ELSEWHERE = "arrival_elsewhere"
    WASTE_OVERDUE = "waste_overdue"
    MAJOR_HAZARD = "major_hazard"
    WASTE_TRANSFER = "waste_transfer"
    FATIGUE_DRIVING = "fatigue_driving"
    #: A dangerous-goods incident, told to a department that responds (app/services/incidents/notify.py).
    INCIDENT = "incident"
    #: A vehicle inside, or heading into, an incident's zones (app/services/incidents/traffic.py).
    INCIDENT_ZONE = "incident_zone"
    #: An alarm the vehicle's JT/T 808 terminal raised itself (emergency button, power cut, ...).
    TERMINAL_ALARM = "terminal_alarm"


class Severity(enum.StrEnum):
    """Tiers, lowest first; an alert's severity only ever rises while its episode grows."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class AlertState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class AlertChange(enum.StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"
    #: Its severity rose (an acknowledged alert is open again for action).
    ESCALATED = "escalated"
    #: The situation is over and the system closed it (``resolved_by``, ``resolution``).
    RESOLVED = "resolved"


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_state_opened_at", "state", "opened_at"),
        Index("ix_alerts_enterprise_opened_at", "enterprise_id", "opened_at"),
    )

    id: Mapped[UuidPk]
    key: Mapped[str] = mapped_column(String(200), unique=True, comment="the episode: one alert per key")
    kind: Mapped[AlertKind]
    severity: Mapped[Severity]
    state: Mapped[AlertState] = mapped_column(default=AlertState.OPEN)
    title: Mapped[str] = mapped_column(String(300), comment="in English, from kind, subject and details")
    subject: Mapped[str | None] = mapped_column(
        String(200), comment="what it is about: the trip's label, the site's name, the manifest's number")
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("enterprises.id"), comment="the enterprise answerable for it (carrier, site owner)")
    waybill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("waybills.id"), index=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"), index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(comment="when the episode began (fix or ledger time)")
    last_seen_at: Mapped[dt.datetime] = mapped_column(comment="latest evidence of the episode")
    ended_at: Mapped[dt.datetime | None] = mapped_column(comment="the episode is over (the alert may stay open)")
    lon: Mapped[float | None] = mapped_column(comment="where, WGS-84, when it has a place")
    lat: Mapped[float | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500), comment="the last acknowledging or closing remark")
    resolved_by: Mapped[str | None] = mapped_column(String(20), comment="'system' when no person closed it")
    resolution: Mapped[str | None] = mapped_column(String(300), comment="why the system closed it")
    escalated_at: Mapped[dt.datetime | None] = mapped_column(comment="when its severity last rose")

    events: Mapped[list[AlertEvent]] = relationship(back_populates="alert", order_by="AlertEvent.id")


class AlertEvent(Base):
    """One change of one alert, in the order the stream serves them. Only ever appended."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id"), index=True)
    change: Mapped[AlertChange]
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), comment="none for the system")
    at: Mapped[CreatedAt]

    alert: Mapped[Alert] = relationship(back_populates="events")
