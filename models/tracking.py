"""GPS fixes reported for a waybill in transit.

A fix is identified by (terminal, time), its primary key: a terminal that resends a batch never duplicates a
fix. Rows are narrow and only ever appended. On PostgreSQL the table is range-partitioned by month of ``at``
(migration 0014: a partition per month made ahead by the ``gps_fixes_partition`` function, a DEFAULT
partition for fixes older than the partitioned months); every partition carries the key, the index of a
trip's track (waybill, time) and a BRIN index on time. On SQLite it is a plain table with the same indexes.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt


class GpsFix(Base):
    __tablename__ = "gps_fixes"
    __table_args__ = (
        PrimaryKeyConstraint("terminal_id", "at"),
        Index("ix_gps_fixes_waybill_at", "waybill_id", "at"),
        # Rows arrive in about time order, so block ranges summarise them well (a B-tree on billions of rows
        # would cost gigabytes for the rare query by time alone). SQLite makes it a plain index.
        Index("ix_gps_fixes_at", "at", postgresql_using="brin"),
        {"postgresql_partition_by": "RANGE (at)"},
    )

    # Eight-byte columns first: no alignment padding (the migration creates them in this order).
    at: Mapped[dt.datetime] = mapped_column(comment="fix time, UTC")
    received_at: Mapped[CreatedAt]
    lon: Mapped[float] = mapped_column(comment="WGS-84")
    lat: Mapped[float] = mapped_column(comment="WGS-84")
    speed_kph: Mapped[float | None]
    waybill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waybills.id"))
    terminal_id: Mapped[str] = mapped_column(String(20), comment="JT/T 808 terminal phone number")
