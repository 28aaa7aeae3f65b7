"""E-waybills: one per vehicle per trip, with versions, lines and a status history.

A waybill's identity (number, shipper, consignee, carrier) never changes. Its content (vehicle, crew, sites,
schedule, lines) lives in numbered versions: drafts and rejected waybills are edited in place, a correction after
approval opens a new version and the old one stays readable.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.ledger import Batch
from models.types import CreatedAt, UuidPk


class WaybillStatus(enum.StrEnum):
    DRAFT = "draft"
    #: Order 29 Art. 24: the carrier's waybill stands once every check passed; no one approves it.
    ISSUED = "issued"
    #: Only where a pass is required (剧毒 cargo, a corridor marked as needing one), until public security grants it.
    AWAITING_PASS = "awaiting_pass"
    #: The two states of the model before Order 29's (regulator approval), kept for the status history.
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


PARTY_NAMES = ("shipper", "consignee", "carrier")


class Waybill(Base):
    __tablename__ = "waybills"
    # The list is newest first (created_at desc, id desc). Unfiltered, or by status, it is a range of the first
    # two indexes in list order. A party's list (an enterprise's own, or a party filter) is three disjoint
    # ranges, one per party column (see app/services/waybills/listing.py), each of an index that starts with
    # the party, is in list order after it and carries the status and the other two parties: counting,
    # filtering by status or by a second party and taking the newest rows read the index, never the table.
    __table_args__ = (
        Index("ix_waybills_all_created_at", "created_at", "id"),
        Index("ix_waybills_status_created_at", "status", "created_at", "id"),
        *(Index(f"ix_waybills_{party}_newest", f"{party}_id", "created_at", "id", "status",
                *(f"{other}_id" for other in PARTY_NAMES if other != party)) for party in PARTY_NAMES),
    )

    id: Mapped[UuidPk]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[WaybillStatus] = mapped_column(default=WaybillStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1, comment="the current content version")
    row_version: Mapped[int] = mapped_column(default=1, comment="bumped on every change; clients send it back")
    shipper_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"))
    consignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"))
    carrier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"))
    corridor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("corridors.id"), comment="permitted corridor")
    consignment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consignments.id"),
                                                             comment="the shipper's consignment list (托运清单)")
    pass_number: Mapped[str | None] = mapped_column(String(40), comment="通行证 number, granted by public security")
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[CreatedAt] = mapped_column(comment="last change; every change bumps row_version")
    departed_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]

    versions: Mapped[list[WaybillVersion]] = relationship(
        back_populates="waybill", order_by="WaybillVersion.version")
    events: Mapped[list[WaybillEvent]] = relationship(order_by="WaybillEvent.at")

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def current(self) -> WaybillVersion:
        return next(v for v in self.versions if v.version == self.version)


class WaybillVersion(Base):
    __tablename__ = "waybill_versions"
    # Each submission and departure asks which other waybills name the same vehicle or crew member, the first
    # five by planned departure for the overlapping-trips warning (app/services/waybills/trips.py): one index a
    # column, in that order, with the window's end for the overlap test (migration 0040).
    __table_args__ = (
        UniqueConstraint("waybill_id", "version"),
        *(Index(f"ix_waybill_versions_{column}_departure", column, "departure_earliest", "waybill_id",
                "departure_latest") for column in ("vehicle_id", "trailer_id", "driver_id", "escort_id")),
    )

    id: Mapped[UuidPk]
    waybill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waybills.id"), index=True)
    version: Mapped[int]
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"))
    trailer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"))
    driver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("personnel.id"))
    escort_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("personnel.id"))
    loading_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    unloading_site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    departure_earliest: Mapped[dt.datetime | None]
    departure_latest: Mapped[dt.datetime | None]
    emergency_contact: Mapped[str | None] = mapped_column(String(40))
    # The national format's other content (Order 29 Art. 24 and its waybill format); see docs/e-waybills.md.
    shared_trip: Mapped[str | None] = mapped_column(String(40), comment="one trip of several waybills, one vehicle")
    shipper_contact: Mapped[str | None] = mapped_column(String(40))
    consignee_contact: Mapped[str | None] = mapped_column(String(40))
    loader_name: Mapped[str | None] = mapped_column(String(200), comment="装货人")
    loader_contact: Mapped[str | None] = mapped_column(String(40))
    vehicle_plate_colour: Mapped[str | None] = mapped_column(String(8), comment="车牌颜色")
    vehicle_transport_certificate: Mapped[str | None] = mapped_column(String(40), comment="道路运输证号")
    trailer_plate_colour: Mapped[str | None] = mapped_column(String(8))
    trailer_transport_certificate: Mapped[str | None] = mapped_column(String(40))
    tank_number: Mapped[str | None] = mapped_column(String(40), comment="罐体编号")
    tank_capacity_m3: Mapped[Decimal | None]
    tank_inspection_valid_until: Mapped[dt.date | None]
    driver_phone: Mapped[str | None] = mapped_column(String(40))
    escort_phone: Mapped[str | None] = mapped_column(String(40))
    dispatcher: Mapped[str | None] = mapped_column(String(100), comment="调度人")
    dispatched_on: Mapped[dt.date | None]
    waste_manifest_number: Mapped[str | None] = mapped_column(String(40), comment="危险废物转移联单号")
    carrier_permit_number: Mapped[str | None] = mapped_column(
        String(60), comment="道路危险货物运输经营许可证号, from the carrier's permit at issue")
    warnings: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list,
                                                           comment="check warnings kept with the record")
    created_at: Mapped[CreatedAt]

    waybill: Mapped[Waybill] = relationship(back_populates="versions")
    lines: Mapped[list[WaybillLine]] = relationship(order_by="WaybillLine.line_no", cascade="all, delete-orphan")


class WaybillLine(Base):
    __tablename__ = "waybill_lines"
    __table_args__ = (UniqueConstraint("version_id", "line_no"),)

    id: Mapped[UuidPk]
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waybill_versions.id"), index=True)
    line_no: Mapped[int]
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"), index=True)
    chemical_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("chemicals.id"))
    # Snapshotted from the catalogue at submission, so the document reads as it was approved.
    un_number: Mapped[str | None] = mapped_column(String(4))
    proper_shipping_name: Mapped[str | None] = mapped_column(String(500))
    hazard_class: Mapped[str | None] = mapped_column(String(8))
    packing_group: Mapped[str | None] = mapped_column(String(3))
    tunnel_code: Mapped[str | None] = mapped_column(String(8))
    # The Table A entry the line travels under (UN number + packing group/variant) and its document line.
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transport_entries.id"))
    document_line: Mapped[str | None] = mapped_column(String(700), comment="ADR 5.4.1.1.1, as submitted")
    quantity_kg: Mapped[Decimal | None]
    packaging_kind: Mapped[str | None] = mapped_column(String(40))
    packaging_count: Mapped[int | None]
    delivered_kg: Mapped[Decimal | None]

    batch: Mapped[Batch | None] = relationship()


class WaybillEvent(Base):
    """One status change: who moved the waybill from what to what, when, and why."""

    __tablename__ = "waybill_events"

    id: Mapped[UuidPk]
    waybill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waybills.id"), index=True)
    from_status: Mapped[WaybillStatus | None]
    to_status: Mapped[WaybillStatus]
    version: Mapped[int]
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[CreatedAt]


class IdempotencyKey(Base):
    """A replayed ``Idempotency-Key`` with the same body returns the same resource; another body is a 409."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID]
    created_at: Mapped[CreatedAt]
