"""Sites: the places where an enterprise holds chemicals."""
from __future__ import annotations

import enum
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enterprise import Enterprise
from models.types import CreatedAt, UuidPk


class SiteKind(enum.StrEnum):
    PLANT = "plant"
    WAREHOUSE = "warehouse"
    TANK_FARM = "tank_farm"
    LOADING_TERMINAL = "loading_terminal"
    DISPOSAL_FACILITY = "disposal_facility"


class Site(Base):
    """A plant, warehouse, tank farm, terminal or disposal facility at a WGS-84 point."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="wgs84_range"),
        CheckConstraint("exposed_population >= 0", name="population_not_negative"),
    )

    id: Mapped[UuidPk]
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind]
    lon: Mapped[float] = mapped_column(comment="WGS-84 longitude, degrees")
    lat: Mapped[float] = mapped_column(comment="WGS-84 latitude, degrees")
    address: Mapped[str | None] = mapped_column(String(300))
    district_adcode: Mapped[str | None] = mapped_column(String(6))
    capacity_kg: Mapped[Decimal | None]
    exposed_population: Mapped[int | None] = mapped_column(
        comment="people living within 500 m of the site boundary (GB 18218 α)")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    enterprise: Mapped[Enterprise] = relationship()
