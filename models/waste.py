"""Hazardous waste: the waste profile of a batch, and transfer manifests (危险废物转移联单).

A waste batch is an ordinary :class:`~models.ledger.Batch` (its quantities move by ledger entries like any
other) with a :class:`WasteBatch` profile written in the same transaction as its generation: the category and
eight-digit code of the 国家危险废物名录, the hazard characteristics, where and when it was generated. The
profile is part of the record, so it is append-only like the ledger.

A manifest follows one transfer from the generator (移出人) through the carrier (承运人) to the receiving
disposer (接受人): created → in_transit (its waybill departed) → received (the disposer confirms what the
waybill's unload entries brought to its site) → disposed (dispose entries); or rejected by the disposer.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.text import Text
from models.base import Base
from models.ledger import AppendOnly, Batch
from models.types import CreatedAt, UuidPk
from models.waybills import Waybill

#: Hazard characteristics as the 名录 abbreviates them: toxicity, corrosivity, ignitability, reactivity, infectivity.
CHARACTERISTICS = ("T", "C", "I", "R", "In")
#: Numbers of the 2008 list that the 2016 revision dropped and the 2021 list leaves unused: HW41 and HW42 (waste
#: halogenated and other organic solvents, merged into HW06), HW43 and HW44 (PCDF and PCDD wastes). 46 remain.
UNUSED_CATEGORIES = ("HW41", "HW42", "HW43", "HW44")
_CATEGORY = re.compile(r"^HW(0[1-9]|[1-4]\d|50)$")
_CODE = re.compile(r"^\d{3}-\d{3}-(\d{2})$")

#: Disposal and recovery operations of the Basel Convention, Annex IV (China is a party): what a manifest
#: names as its 利用/处置方式 and what a 危险废物经营许可证 permits.
DISPOSAL_METHODS = {
    "D1": "deposit into or onto land (landfill)", "D2": "land treatment", "D3": "deep injection",
    "D4": "surface impoundment", "D5": "specially engineered landfill",
    "D6": "release into a water body except seas/oceans", "D7": "release into seas/oceans",
    "D8": "biological treatment", "D9": "physico-chemical treatment", "D10": "incineration on land",
    "D11": "incineration at sea", "D12": "permanent storage", "D13": "blending or mixing prior to D1-D12",
    "D14": "repackaging prior to D1-D13", "D15": "storage pending D1-D14",
    "R1": "use as a fuel or other means to generate energy", "R2": "solvent reclamation/regeneration",
    "R3": "recycling/reclamation of organic substances not used as solvents",
    "R4": "recycling/reclamation of metals and metal compounds",
    "R5": "recycling/reclamation of other inorganic materials", "R6": "regeneration of acids or bases",
    "R7": "recovery of components used for pollution abatement", "R8": "recovery of components from catalysts",
    "R9": "used oil re-refining or other reuses of previously used oil",
    "R10": "land treatment resulting in benefit to agriculture or ecological improvement",
    "R11": "uses of residual materials obtained from R1-R10", "R12": "exchange of wastes for R1-R11",
    "R13": "accumulation of material intended for R1-R12",
}


def category_problem(category: str) -> str | None:
    """Why *category* is not a category of the 2021 list (``HW01`` to ``HW50`` less the unused), or None."""
    if not _CATEGORY.match(category):
        return Text("must be {first} to {last}", first="HW01", last="HW50")
    if category in UNUSED_CATEGORIES:
        return Text("{category} is not used by the 2021 list (dropped in 2016)", category=category)
    return None


def category_of(code: str) -> str:
    """The category an eight-digit code belongs to: its last two digits (``900-041-49`` → ``HW49``)."""
    return f"HW{code[-2:]}"


def code_problem(code: str, category: str | None = None) -> str | None:
    """Why *code* is not a well-formed waste code (of *category*, when given), or None when it is."""
    match = _CODE.match(code)
    if not match:
        return Text("must be an eight-digit waste code like {example}", example="900-041-49")
    problem = category_problem(category_of(code))
    if problem:
        return Text("its last two digits name no category: {problem}", problem=problem)
    if category is not None and category_of(code) != category:
        return Text("belongs to {category}, not {given}", category=category_of(code), given=category)
    return None


def characteristics_problem(values: list[str]) -> str | None:
    unknown = [v for v in values if v not in CHARACTERISTICS]
    if unknown:
        return Text("unknown characteristic(s) {unknown}: use {known}", unknown=", ".join(unknown),
                    known=", ".join(CHARACTERISTICS))
    if not values:
        return Text("at least one characteristic")
    if len(set(values)) != len(values):
        return Text("each characteristic once")
    return None


class WasteBatch(AppendOnly, Base):
    """The waste profile of a batch, written when the batch is generated and never changed."""

    __tablename__ = "waste_batches"
    __table_args__ = (Index("ix_waste_batches_generated_at", "generated_at"),)

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(4), comment="国家危险废物名录 category, HW01-HW50")
    code: Mapped[str] = mapped_column(String(10), comment="eight-digit waste code, e.g. 900-041-49")
    characteristics: Mapped[list[str]] = mapped_column(JSON, comment="T, C, I, R, In")
    generating_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    generated_at: Mapped[dt.datetime] = mapped_column(comment="when it was generated: storage starts then")
    catalogue_edition: Mapped[str] = mapped_column(
        String(4), server_default="2021", comment="the 国家危险废物名录 edition in force when it was generated")
    created_at: Mapped[CreatedAt]

    batch: Mapped[Batch] = relationship()


class AddedWasteCode(Base):
    """A waste code an administrator added to the shipped table (a code of the 名录 the project does not ship,
    or a 900-000-xx code for a waste identified as hazardous by testing), with the edition and reason."""

    __tablename__ = "waste_codes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(String(4))
    characteristics: Mapped[list[str]] = mapped_column(JSON, comment="what a waste of this code may be declared with")
    description_zh: Mapped[str] = mapped_column(String(500))
    edition: Mapped[str] = mapped_column(String(4), comment="the 名录 edition the code is taken from")
    reason: Mapped[str] = mapped_column(String(500))
    added_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[CreatedAt]


class ManifestStatus(enum.StrEnum):
    CREATED = "created"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    DISPOSED = "disposed"
    REJECTED = "rejected"


class WasteManifest(Base):
    """A transfer manifest (转移联单): generator, carrier, disposer, waybill, disposal method, lines."""

    __tablename__ = "waste_manifests"
    __table_args__ = tuple(Index(f"ix_waste_manifests_{party}_created_at", f"{party}_id", "created_at")
                           for party in ("generator", "carrier", "disposer"))

    id: Mapped[UuidPk]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[ManifestStatus] = mapped_column(default=ManifestStatus.CREATED)
    generator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), comment="移出人")
    carrier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), comment="承运人")
    disposer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), comment="接受人")
    disposer_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), comment="where it is received")
    waybill_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("waybills.id"), unique=True, comment="the e-waybill that carries it")
    disposal_method: Mapped[str] = mapped_column(String(3), comment="Basel Convention Annex IV code, e.g. D10")
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
    departed_at: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime | None]
    disposed_at: Mapped[dt.datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    carrier_checked_at: Mapped[dt.datetime | None] = mapped_column(
        comment="when the carrier checked the waste against the manifest, before carriage")
    carrier_checked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    discrepancy: Mapped[str | None] = mapped_column(String(500), comment="what the receiver found not as stated")
    origin_province: Mapped[str | None] = mapped_column(
        String(2), comment="province (GB/T 2260, 2 digits) the waste leaves; None: no district code recorded")
    destination_province: Mapped[str | None] = mapped_column(
        String(2), comment="province of the receiving site; None: no district code recorded")
    approval_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("waste_transfer_approvals.id"), index=True,
        comment="the province's approval of a cross-province transfer (危险废物转移管理办法 Art. 21)")

    lines: Mapped[list[WasteManifestLine]] = relationship(
        order_by="WasteManifestLine.line_no", cascade="all, delete-orphan")
    events: Mapped[list[WasteManifestEvent]] = relationship(order_by="WasteManifestEvent.at")
    waybill: Mapped[Waybill | None] = relationship(viewonly=True)
    approval: Mapped[WasteTransferApproval | None] = relationship()

    @property
    def cross_province(self) -> bool | None:
        """Whether the waste crosses a province boundary; None when a place's district code is not recorded."""
        return crosses_province(self.origin_province, self.destination_province)


def crosses_province(origin: str | None, destination: str | None) -> bool | None:
    """Whether waste going from province *origin* to *destination* crosses a province boundary (危险废物转移管理办法
    Art. 21); None when either is not known."""
    if origin is None or destination is None:
        return None
    return origin != destination


class WasteManifestLine(Base):
    __tablename__ = "waste_manifest_lines"
    __table_args__ = (
        UniqueConstraint("manifest_id", "line_no", name="uq_waste_manifest_lines_line_no"),
        UniqueConstraint("manifest_id", "batch_id", name="uq_waste_manifest_lines_batch"),
        CheckConstraint("quantity_kg > 0", name="quantity_positive"),
    )

    id: Mapped[UuidPk]
    manifest_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waste_manifests.id"), index=True)
    line_no: Mapped[int]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity_kg: Mapped[Decimal] = mapped_column(comment="what the generator hands over")
    received_kg: Mapped[Decimal | None] = mapped_column(comment="what the waybill delivered to the disposer")

    batch: Mapped[Batch] = relationship()
    profile: Mapped[WasteBatch] = relationship(
        primaryjoin="WasteManifestLine.batch_id == WasteBatch.batch_id", foreign_keys="WasteBatch.batch_id",
        viewonly=True)


class WasteManifestEvent(Base):
    """One status change of a manifest: who moved it, from what to what, when, and why."""

    __tablename__ = "waste_manifest_events"

    id: Mapped[UuidPk]
    manifest_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waste_manifests.id"), index=True)
    from_status: Mapped[ManifestStatus | None]
    to_status: Mapped[ManifestStatus]
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[CreatedAt]


class WasteTransferApproval(Base):
    """The approval of a cross-province transfer by the ecology department of the province the waste leaves
    (危险废物转移管理办法 Art. 21, 27): which wastes (code → kg), from which 移出人 to which 接受人, by which
    method, valid from ``valid_from`` to ``valid_to`` inclusive (at most twelve months, never beyond the
    接受人's permit). Manifests under it may be many, within its validity and its quantities."""

    __tablename__ = "waste_transfer_approvals"
    __table_args__ = (CheckConstraint("valid_from <= valid_to", name="validity_order"),)

    id: Mapped[UuidPk]
    number: Mapped[str] = mapped_column(String(60), unique=True, comment="the number of the approval decision")
    origin_province: Mapped[str] = mapped_column(String(2), comment="移出地 province, GB/T 2260 (2 digits)")
    destination_province: Mapped[str] = mapped_column(String(2), comment="接受地 province, GB/T 2260 (2 digits)")
    generator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True, comment="移出人")
    disposer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), index=True, comment="接受人")
    disposal_method: Mapped[str] = mapped_column(String(3), comment="Basel Convention Annex IV code")
    wastes: Mapped[dict[str, str]] = mapped_column(JSON, comment="approved waste code -> kg (a decimal string)")
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date] = mapped_column(comment="last valid day, inclusive")
    issuer: Mapped[str | None] = mapped_column(String(200), comment="the approving department")
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
