"""Units within a site (GB 18218-2018 §3.5 生产单元, §3.6 储存单元) and the figures that set a regulatory grade.

A site has one or more units; stock is held in a unit (a ledger site account names its unit; the account
of the site's *default* unit names none, so a simple site stays one account). Each unit has a registered
design maximum per chemical (§4.2.2: the quantity identification uses), and the site has an exposed population
(Table 5's α). Both are set only by a supervisor, and every setting is kept: the current value is the latest
row; the tables are append-only like the ledger.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.ledger import AppendOnly
from models.partial_indexes import partial_index
from models.types import CreatedAt, UuidPk


class UnitKind(enum.StrEnum):
    """§3.5 a production unit (装置、设施或场所); §3.6 a storage unit (a tank area within its dike, a warehouse)."""

    PRODUCTION = "production"
    STORAGE = "storage"


class SiteUnit(Base):
    """A production or storage unit of a site; exactly one unit per site is its default."""

    __tablename__ = "site_units"
    __table_args__ = (
        UniqueConstraint("site_id", "name", name="uq_site_units_name"),
        partial_index("uq_site_units_default", "site_id", unique=True, where="is_default"),
    )

    id: Mapped[UuidPk]
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind]
    is_default: Mapped[bool] = mapped_column(default=False, comment="where stock lands when a movement names no unit")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]


class DesignMaximum(AppendOnly, Base):
    """A unit's design maximum of one chemical as a supervisor registered it; the latest row is current
    (0 withdraws it)."""

    __tablename__ = "unit_design_maxima"
    __table_args__ = (
        CheckConstraint("quantity_kg >= 0", name="quantity_not_negative"),
        Index("ix_unit_design_maxima_unit_chemical", "unit_id", "chemical_id", "set_at"),
    )

    id: Mapped[UuidPk]
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site_units.id"))
    chemical_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chemicals.id"))
    quantity_kg: Mapped[Decimal] = mapped_column(comment="design maximum, kg (GB 18218 §4.2.2)")
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime]


class PopulationChange(AppendOnly, Base):
    """A site's exposed population (people within 500 m, GB 18218 Table 5) as a supervisor set it."""

    __tablename__ = "site_population_changes"
    __table_args__ = (CheckConstraint("exposed_population >= 0", name="population_not_negative"),
                      Index("ix_site_population_changes_site_set_at", "site_id", "set_at"))

    id: Mapped[UuidPk]
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    exposed_population: Mapped[int | None] = mapped_column(comment="None: not known (α by policy)")
    previous: Mapped[int | None] = mapped_column(comment="the value it replaced")
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[dt.datetime]
