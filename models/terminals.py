"""JT/T 808 terminals as the gateway knows them, and the fixes of vehicles that are on no trip.

A :class:`Terminal` row is the gateway's record of one terminal number registered on a vehicle: the
authentication code it was given (JT/T 808 §8.6), whether it is connected now, and its last message. It is
state, updated in place (not a ledger).

A :class:`VehicleFix` is a position a terminal reported while its vehicle was on no waybill in transit: kept for
the vehicle (the dynamic-monitoring data the carrier must retain, see app/data/README.md) and checked against
nothing. Keyed like ``gps_fixes`` by (terminal, time): a resent report is stored once.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.fleet import Vehicle
from models.types import CreatedAt


class Terminal(Base):
    __tablename__ = "terminals"

    terminal_id: Mapped[str] = mapped_column(String(20), primary_key=True,
                                             comment="JT/T 808 terminal phone number, as on the vehicle")
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"), index=True)
    auth_code: Mapped[str] = mapped_column(String(40), comment="JT/T 808 authentication code issued at registration")
    edition: Mapped[int] = mapped_column(comment="protocol edition of the header last seen: 2013 or 2019")
    device_id: Mapped[str | None] = mapped_column(String(40), comment="terminal ID sent at registration")
    model: Mapped[str | None] = mapped_column(String(40))
    connected: Mapped[bool] = mapped_column(default=False)
    peer: Mapped[str | None] = mapped_column(String(64), comment="remote address of the current connection")
    registered_at: Mapped[CreatedAt]
    authenticated_at: Mapped[dt.datetime | None]
    disconnected_at: Mapped[dt.datetime | None]
    last_message_at: Mapped[dt.datetime | None]
    last_message_id: Mapped[int | None] = mapped_column(Integer, comment="JT/T 808 message id, e.g. 512 = 0x0200")
    last_fix_at: Mapped[dt.datetime | None]
    last_position: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, comment="the last location report decoded (alarm, status, items)")
    alarm_flags: Mapped[int] = mapped_column(BigInteger, default=0, comment="alarm word of the last location report")
    alarm_since: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                        comment="alarm name -> ISO time it was first raised")
    messages: Mapped[int] = mapped_column(BigInteger, default=0, comment="messages received since registration")

    vehicle: Mapped[Vehicle] = relationship(lazy="joined")


class VehicleFix(Base):
    __tablename__ = "vehicle_fixes"
    __table_args__ = (
        PrimaryKeyConstraint("terminal_id", "at"),
        Index("ix_vehicle_fixes_vehicle_at", "vehicle_id", "at"),
    )

    at: Mapped[dt.datetime] = mapped_column(comment="fix time, UTC")
    received_at: Mapped[CreatedAt]
    lon: Mapped[float] = mapped_column(comment="WGS-84")
    lat: Mapped[float] = mapped_column(comment="WGS-84")
    speed_kph: Mapped[float | None]
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"))
    terminal_id: Mapped[str] = mapped_column(String(20), comment="JT/T 808 terminal phone number")
