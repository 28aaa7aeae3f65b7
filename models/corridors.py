"""Corridors the authority permits, and forbidden zones, as managed records.

Geometry is kept as the authority drew it: GeoJSON in WGS-84 lon/lat, in the property conventions of
:mod:`routing.corridors` (``width_m``, ``role``, ``rule``, ``hazard_classes``, ``time_windows``, ``tz``).
The bounding box columns let a query pick the zones near a corridor without reading every geometry.
"""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt, UuidPk


class ZoneRule(enum.StrEnum):
    NO_ENTRY = "no_entry"
    NO_STOP = "no_stop"


class _Bounded:
    """WGS-84 bounding box, written from the geometry when the record is created."""

    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]


class Corridor(_Bounded, Base):
    __tablename__ = "corridors"

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    geojson: Mapped[dict[str, Any]] = mapped_column(JSON, comment="FeatureCollection, WGS-84")
    hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list, comment="empty: every class")
    requires_pass: Mapped[bool] = mapped_column(default=False, server_default=false(),
                                                comment="the authority requires a pass (通行证) to use it")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]


class Zone(_Bounded, Base):
    __tablename__ = "zones"

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[ZoneRule]
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON, comment="Polygon or MultiPolygon, WGS-84")
    hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list, comment="empty: every class")
    time_windows: Mapped[list[list[str]]] = mapped_column(
        JSON, default=list, comment='[["07:00", "09:00"], ...] local time; empty: always')
    tz: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    district_adcode: Mapped[str | None] = mapped_column(String(6))
    requires_pass: Mapped[bool] = mapped_column(default=False, server_default=false(),
                                                comment="a route entering it needs a pass (通行证)")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
