"""The shipper's consignment list (托运清单): what it hands the carrier, who makes the waybill from it.

Order 29 (交通运输部令2019年第29号) Art. 22: the shipper gives the carrier a consignment list naming each good's
UN number, proper shipping name, class, packing group, quantity and packaging, with the emergency information
(hazards, first aid, spill and fire response, an emergency phone). The list is the shipper's declaration: once
handed over it does not change; a correction is a new list.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import CreatedAt, UuidPk


class Consignment(Base):
    __tablename__ = "consignments"

    id: Mapped[UuidPk]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    shipper_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True)
    carrier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True)
    consignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"))
    loading_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    unloading_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    shipper_contact: Mapped[str | None] = mapped_column(String(40))
    consignee_contact: Mapped[str | None] = mapped_column(String(40))
    loader_name: Mapped[str | None] = mapped_column(String(200), comment="装货人")
    loader_contact: Mapped[str | None] = mapped_column(String(40))
    emergency_phone: Mapped[str] = mapped_column(String(40))
    waste_manifest_number: Mapped[str | None] = mapped_column(String(40), comment="危险废物转移联单号")
    ship_on: Mapped[dt.date | None] = mapped_column(comment="the day the shipper wants it carried")
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]

    lines: Mapped[list[ConsignmentLine]] = relationship(order_by="ConsignmentLine.line_no",
                                                        cascade="all, delete-orphan")


class ConsignmentLine(Base):
    """One good of the list, as the shipper declares it, with its emergency information."""

    __tablename__ = "consignment_lines"
    __table_args__ = (UniqueConstraint("consignment_id", "line_no"),)

    id: Mapped[UuidPk]
    consignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consignments.id"), index=True)
    line_no: Mapped[int]
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"))
    chemical_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("chemicals.id"))
    un_number: Mapped[str | None] = mapped_column(String(4))
    proper_shipping_name: Mapped[str | None] = mapped_column(String(500))
    hazard_class: Mapped[str | None] = mapped_column(String(8))
    packing_group: Mapped[str | None] = mapped_column(String(3))
    quantity_kg: Mapped[Decimal]
    packaging_kind: Mapped[str] = mapped_column(String(40))
    packaging_count: Mapped[int]
    hazards: Mapped[str] = mapped_column(String(1000), comment="危险特性")
    first_aid: Mapped[str] = mapped_column(String(1000), comment="急救措施")
    spill_response: Mapped[str] = mapped_column(String(1000), comment="泄漏应急处置")
    fire_response: Mapped[str] = mapped_column(String(1000), comment="消防措施")
