"""Dangerous-goods incidents on the road: what happened, where, and the ERG zones around it.

An incident moves reported → confirmed → contained → closed; every move appends an :class:`IncidentEvent`
(append-only). A draft (a terminal's emergency alarm, a long stop off the corridor: ``source``) waits for a
supervisor, who confirms it (draft → confirmed) or dismisses it (draft → closed). While it is open (and not a
draft) its zones are a temporary no-entry :class:`~models.corridors.Zone` for every hazmat trip, until
``zone_until`` or until the incident is closed (docs/incidents.md).
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.ledger import AppendOnly
from models.types import CreatedAt, UuidPk


class IncidentState(enum.StrEnum):
    DRAFT = "draft"
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    CONTAINED = "contained"
    CLOSED = "closed"


class SpillKind(enum.StrEnum):
    """What is happening: the ERG's small or large spill, a fire, or a tank exposed to fire."""

    LEAK_SMALL = "leak_small"
    LEAK_LARGE = "leak_large"
    FIRE = "fire"
    TANK_EXPOSED_TO_FIRE = "tank_exposed_to_fire"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="wgs84_range"),
        CheckConstraint("wind_from_deg IS NULL OR (wind_from_deg >= 0 AND wind_from_deg <= 360)",
                        name="wind_direction_range"),
        Index("ix_incidents_state_created_at", "state", "created_at"),
    )

    id: Mapped[UuidPk]
    state: Mapped[IncidentState] = mapped_column(default=IncidentState.REPORTED)
    source: Mapped[str] = mapped_column(String(20), default="report", server_default="report",
                                        comment="'report' (a person), or a draft's: 'terminal_alarm', 'long_stop'")
    source_key: Mapped[str | None] = mapped_column(String(300), unique=True,
                                                   comment="the event a draft comes from: one draft per event")
    waybill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("waybills.id"), index=True,
                                                         comment="the vehicle's waybill, when known")
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enterprises.id"), index=True,
                                                         comment="the waybill's carrier (who may see it)")
    spill: Mapped[SpillKind]
    lon: Mapped[float] = mapped_column(comment="WGS-84")
    lat: Mapped[float]
    location_source: Mapped[str] = mapped_column(String(20), comment="'reported', or 'last_fix' of the vehicle")
    night: Mapped[bool] = mapped_column(comment="between sunset and sunrise (ERG Table 1 column)")
    wind_from_deg: Mapped[float | None] = mapped_column(comment="where the wind blows from; none: unknown")
    wind_speed_ms: Mapped[float | None]
    un_number: Mapped[str | None] = mapped_column(String(4), comment="the cargo's; none: unidentified load")
    material: Mapped[str | None] = mapped_column(String(500), comment="proper shipping name of the cargo")
    hazard_class: Mapped[str | None] = mapped_column(String(8), comment="the placard's class")
    capacity_l: Mapped[float | None] = mapped_column(comment="tank capacity, litres (BLEVE distance)")
    zones: Mapped[dict[str, Any]] = mapped_column(JSON, comment="ERG 2016 zones, GeoJSON FeatureCollection")
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("zones.id"),
                                                      comment="the temporary no-entry zone while it is open")
    zone_until: Mapped[dt.datetime | None] = mapped_column(comment="when the no-entry zone lapses")
    note: Mapped[str | None] = mapped_column(String(1000))
    reported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), comment="none: a draft")
    row_version: Mapped[int] = mapped_column(default=1, comment="bumped on every change; clients send it back")
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt]
    closed_at: Mapped[dt.datetime | None]

    events: Mapped[list[IncidentEvent]] = relationship(order_by="IncidentEvent.at")

    __mapper_args__ = {"version_id_col": row_version}


class IncidentEvent(AppendOnly, Base):
    """One state change of an incident: who moved it, from what to what, when, and why. Only ever appended."""

    __tablename__ = "incident_events"

    id: Mapped[UuidPk]
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    from_state: Mapped[IncidentState | None]
    to_state: Mapped[IncidentState]
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[CreatedAt]
