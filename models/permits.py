"""Permits: what the authorities allow an enterprise to do, for which chemicals, and when."""
from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enterprise import Enterprise
from models.types import CreatedAt, UuidPk


class PermitKind(enum.StrEnum):
    """The licences of the Chinese regime (危险化学品安全管理条例, 道路危险货物运输管理规定, 固废法)."""

    SAFETY_PRODUCTION = "safety_production"  # 安全生产许可证 (危险化学品生产企业)
    CHEMICALS_OPERATION = "hazardous_chemicals_operation"  # 危险化学品经营许可证
    SAFE_USE = "safe_use"  # 危险化学品安全使用许可证
    ROAD_TRANSPORT = "road_transport"  # 道路运输经营许可证 (危险货物运输)
    HAZARDOUS_WASTE = "hazardous_waste_operation"  # 危险废物经营许可证
    HIGHLY_TOXIC_PURCHASE = "highly_toxic_purchase"  # 剧毒化学品购买许可证
    HIGHLY_TOXIC_TRANSPORT_PASS = "highly_toxic_road_transport_pass"  # 剧毒化学品道路运输通行证


class WasteOperation(enum.StrEnum):
    """The two kinds of 危险废物经营许可证 by 经营方式 (危险废物经营许可证管理办法 Art. 3)."""

    COMPREHENSIVE = "comprehensive"  # 危险废物收集、贮存、处置综合经营许可证: every category, valid 5 years
    COLLECTION = "collection"  # 危险废物收集经营许可证: two wastes only, collection only, valid 3 years


class Permit(Base):
    """A permit held by one enterprise, valid on the days from ``valid_from`` to ``valid_to`` inclusive.

    Its scope is a list of hazard classes and a list of UN numbers: a chemical is covered when either names it.
    A hazardous-waste operation permit adds a waste scope: categories or codes, and the disposal methods.
    """

    __tablename__ = "permits"
    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_permits_kind_number"),
        CheckConstraint("valid_from <= valid_to", name="validity_order"),
    )

    id: Mapped[UuidPk]
    kind: Mapped[PermitKind]
    number: Mapped[str] = mapped_column(String(60), comment="the number printed on the permit")
    holder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True)
    issuer: Mapped[str | None] = mapped_column(String(200), comment="issuing authority")
    hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list, comment="scope: ADR classes")
    un_numbers: Mapped[list[str]] = mapped_column(JSON, default=list, comment="scope: UN numbers")
    # A 危险废物经营许可证 also names the wastes it may accept and how it may treat them.
    waste_categories: Mapped[list[str]] = mapped_column(JSON, default=list, comment="waste scope: HW categories")
    waste_codes: Mapped[list[str]] = mapped_column(JSON, default=list, comment="waste scope: eight-digit codes")
    disposal_methods: Mapped[list[str]] = mapped_column(JSON, default=list, comment="Basel Annex IV codes")
    waste_operation: Mapped[WasteOperation | None] = mapped_column(
        comment="a 危险废物经营许可证's 经营方式: comprehensive (综合) or collection (收集)")
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date]
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[CreatedAt]

    holder: Mapped[Enterprise] = relationship()

    def __repr__(self) -> str:
        return f"<Permit {self.kind} {self.number}>"
