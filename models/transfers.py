"""Transfers into another enterprise's site, pending until the receiver accepts or refuses them.

A movement that would credit another enterprise's holding is not posted when the sender asks for it: it waits
here as a :class:`PendingTransfer`. Only the receiver's acceptance posts the ledger entry (``entry_id``), with
the receiver's permits and the sender's balance checked at that moment; a refusal or the sender's withdrawal
posts nothing. Unlike the ledger, this is a workflow record: its status changes, once, from ``pending``.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.ledger import Batch
from models.types import UuidPk


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class PendingTransfer(Base):
    """*quantity* kg of a batch offered from the sender's site to the receiver's, and what became of it."""

    __tablename__ = "pending_transfers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_pending_transfers_sender_offered_at", "sender_id", "offered_at"),
        Index("ix_pending_transfers_receiver_offered_at", "receiver_id", "offered_at"),
    )

    id: Mapped[UuidPk]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(comment="kg offered, > 0")
    from_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    to_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), comment="holds the from site")
    receiver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), comment="holds the to site")
    document_ref: Mapped[str | None] = mapped_column(String(100), comment="invoice, delivery note or contract")
    occurred_at: Mapped[dt.datetime] = mapped_column(
        comment="the handover time the sender states; the acceptance is dated no earlier")
    offered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    offered_at: Mapped[dt.datetime]
    status: Mapped[TransferStatus] = mapped_column(default=TransferStatus.PENDING)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"),
                                                         comment="who accepted, refused or withdrew it")
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500), comment="why it was refused or withdrawn")
    entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledger_entries.id"), unique=True, comment="the entry its acceptance posted")

    batch: Mapped[Batch] = relationship()
