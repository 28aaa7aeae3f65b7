"""Vehicles and the people who drive and escort them, registered to a carrier."""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enterprise import Enterprise
from models.types import CreatedAt, UuidPk


class VehicleKind(enum.StrEnum):
    TANK = "tank"  # 罐式车辆
    VAN = "van"  # 厢式车辆
    FLATBED = "flatbed"  # 栏板/平板
    TRACTOR = "tractor"  # 牵引车
    TANK_TRAILER = "tank_trailer"  # 罐式挂车
    SEMI_TRAILER = "semi_trailer"  # 其他挂车

    @property
    def is_trailer(self) -> bool:
        return self in (VehicleKind.TANK_TRAILER, VehicleKind.SEMI_TRAILER)

    @property
    def is_tank(self) -> bool:
        return self in (VehicleKind.TANK, VehicleKind.TANK_TRAILER)


class Vehicle(Base):
    __tablename__ = "vehicles"
    __table_args__ = (CheckConstraint("rated_load_kg > 0", name="rated_load_positive"),)

    id: Mapped[UuidPk]
    plate: Mapped[str] = mapped_column(String(10), unique=True, comment="normalized plate, e.g. 苏B12345")
    carrier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[VehicleKind]
    hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list, comment="permitted ADR classes")
    rated_load_kg: Mapped[Decimal]
    tank_media: Mapped[list[str]] = mapped_column(JSON, default=list, comment="UN numbers the tank may carry")
    gps_terminal_id: Mapped[str | None] = mapped_column(String(20), index=True,
                                                        comment="JT/T 808 terminal phone number")
    inspection_valid_until: Mapped[dt.date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    carrier: Mapped[Enterprise] = relationship()


class CrewRole(enum.StrEnum):
    DRIVER = "driver"  # 驾驶员
    ESCORT = "escort"  # 押运员


class Person(Base):
    """A driver or escort. The national ID number is kept only as a salted hash and a masked form."""

    __tablename__ = "personnel"

    id: Mapped[UuidPk]
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True)
    role: Mapped[CrewRole]
    name: Mapped[str] = mapped_column(String(100))
    certificate_number: Mapped[str] = mapped_column(String(40), comment="从业资格证号")
    national_id_hash: Mapped[str] = mapped_column(String(160), comment="pbkdf2_sha256$iterations$salt$hash")
    national_id_masked: Mapped[str] = mapped_column(String(18), comment="e.g. 3202**********1234")
    qualification_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_until: Mapped[dt.date] = mapped_column(comment="certificate valid until")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    employer: Mapped[Enterprise] = relationship()
