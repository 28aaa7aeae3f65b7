"""GPS fixes reported for a waybill in transit.

A fix is identified by (terminal, time): a terminal that resends a batch never duplicates a fix. Rows are
narrow and only ever appended; on PostgreSQL the table is meant to be range-partitioned by month of ``at``
once volumes demand it (the primary key and indexes below are partition-friendly: both start with time or
terminal).
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt


class GpsFix(Base):
    __tablename__ = "gps_fixes"
    __table_args__ = (
        UniqueConstraint("terminal_id", "at", name="uq_gps_fixes_terminal_at"),
        Index("ix_gps_fixes_waybill_at", "waybill_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    waybill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waybills.id"))
    terminal_id: Mapped[str] = mapped_column(String(20), comment="JT/T 808 terminal phone number")
    at: Mapped[dt.datetime] = mapped_column(comment="fix time, UTC")
    lon: Mapped[float] = mapped_column(comment="WGS-84")
    lat: Mapped[float] = mapped_column(comment="WGS-84")
    speed_kph: Mapped[float | None]
    received_at: Mapped[CreatedAt]
