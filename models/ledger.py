"""The ledger: batches, accounts, double-entry ledger entries and signed checkpoints.

Every table here is append-only (DESIGN.md, "The ledger"): the ORM refuses to flush an update or delete of
these rows (:func:`_refuse_changes`), and migration 0004 installs database triggers that do the same for
anyone who bypasses the ORM. A correction is a new entry whose ``reverses_id`` names the corrected one.

An entry moves ``quantity`` kilograms of one batch *from* one account (the debited account: the quantity
leaves it) *to* another (the credited account). A balance is the sum of what entered an account minus what
left it, derived by SQL from the entries, never stored. Holding accounts (a site, a vehicle in transit)
never go negative; boundary accounts (produced, consumed, ...) are where quantities enter and leave the
system, so their balances are negative for sources and positive for sinks, and all balances sum to zero.

The batch's identity is part of the entries too: the entry that brings a batch in (produced, received,
generated, or output of a transformation) holds ``batch_identity``, the SHA-256 of the batch's code,
chemical, producer, production time and quantity (``chain.batch_identity``), so relabelling a batch breaks
the chain at that entry (entries recorded before migration 0011 have none).

Lineage is part of the entries, so it is covered by the hash chain: the entries of one transformation share
a ``transformation_id``; those with ``lineage_role = input`` consumed the input batches, those with
``lineage_role = output`` produced the output batches. A split is a transformation of kind ``split``.
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger, CheckConstraint, ColumnElement, ForeignKey, Index, LargeBinary, String, UniqueConstraint, event,
    literal_column,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base
from models.catalogue import Chemical
from models.enterprise import Enterprise
from models.partial_indexes import partial_index
from models.sites import Site
from models.types import CreatedAt, UuidPk


class AppendOnlyError(RuntimeError):
    """Raised on flushing an update or delete of a ledger row: a programming error, never a client's."""


class AppendOnly:
    """Marks a model whose rows are written once and never changed."""


class Batch(AppendOnly, Base):
    """A lot of one chemical, identified by its code; it enters the ledger when produced or received."""

    __tablename__ = "batches"

    id: Mapped[UuidPk]
    code: Mapped[str] = mapped_column(String(64), index=True, comment="batch (lot) code, unique per producer")
    chemical_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chemicals.id"), index=True)
    producer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="the enterprise that brought the batch into the ledger"
    )
    produced_at: Mapped[dt.datetime]
    quantity: Mapped[Decimal] = mapped_column(comment="quantity at production, kg")
    created_at: Mapped[CreatedAt]

    chemical: Mapped[Chemical] = relationship()
    producer: Mapped[Enterprise] = relationship()

    # A lot code is the producer's: two producers may use the same one, and a firm must not learn from a refused
    # code that another uses it (migration 0045; app.services.ledger.codes resolves a code for its reader).
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      UniqueConstraint("producer_id", "code", name="uq_batches_producer_code"))


class AccountKind(enum.StrEnum):
    SITE = "site"
    TRANSIT = "transit"
    BOUNDARY = "boundary"


class Boundary(enum.StrEnum):
    """Where quantities enter (produced, received) or leave (the rest) the holdings of an enterprise."""

    PRODUCED = "produced"
    RECEIVED = "received"
    TRANSFORMED = "transformed"
    CONSUMED = "consumed"
    DISPOSED = "disposed"
    LOSS = "loss"
    ADJUSTMENT = "adjustment"


def kind_literal(kind: AccountKind) -> ColumnElement[str]:
    """*kind* written into the SQL rather than bound, for ``Account.kind == kind_literal(...)``.

    Each account kind has its own partial unique index (``WHERE kind = 'site'`` …, below), and a partial index
    serves only a query whose condition implies its predicate. For a bound kind SQLite sees that only by
    planning the statement again at every execution with the value bound (its statement cache then saves
    nothing: costly for a statement of many joins), and PostgreSQL not at all in a generic plan, where the
    lookup would scan every account (there is a transit account for every trip).
    """
    return literal_column(f"'{kind.value}'")


class Account(AppendOnly, Base):
    """A holder at a place: (enterprise, site), (carrier, vehicle/waybill in transit), or a boundary."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("(kind = 'site') = (site_id IS NOT NULL)", name="site_account_has_site"),
        CheckConstraint("(kind = 'boundary') = (boundary IS NOT NULL)", name="boundary_account_has_boundary"),
        CheckConstraint("(kind = 'transit') = (reference IS NOT NULL)", name="transit_account_has_reference"),
        # One account per site, per (carrier, transit reference), per (enterprise, boundary).
        # A site's default unit has the account that names no unit; each other unit has its own.
        partial_index("uq_ledger_accounts_site", "site_id", unique=True, where="kind = 'site' AND unit_id IS NULL"),
        partial_index("uq_ledger_accounts_unit", "unit_id", unique=True, where="unit_id IS NOT NULL"),
        partial_index("uq_ledger_accounts_transit", "enterprise_id", "reference", unique=True,
                      where="kind = 'transit'"),
        partial_index("uq_ledger_accounts_boundary", "enterprise_id", "boundary", unique=True,
                      where="kind = 'boundary'"),
    )

    id: Mapped[UuidPk]
    kind: Mapped[AccountKind]
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enterprises.id"), index=True, comment="holder: site owner, carrier, or boundary owner"
    )
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("site_units.id"), comment="the unit of a site account; none: the site's default unit")
    boundary: Mapped[Boundary | None]
    reference: Mapped[str | None] = mapped_column(String(64), comment="vehicle plate or waybill number in transit")
    waybill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("waybills.id"),
                                                         comment="the e-waybill of a transit account")
    created_at: Mapped[CreatedAt]

    enterprise: Mapped[Enterprise] = relationship()
    site: Mapped[Site | None] = relationship()

    @property
    def holds_stock(self) -> bool:
        """Whether the balance is a real holding (never negative), not a boundary."""
        return self.kind is not AccountKind.BOUNDARY


class EntryKind(enum.StrEnum):
    PRODUCE = "produce"
    RECEIVE = "receive"
    TRANSFER = "transfer"
    LOAD = "load"
    UNLOAD = "unload"
    CONSUME = "consume"
    TRANSFORM = "transform"
    SPLIT = "split"
    GENERATE_WASTE = "generate_waste"
    DISPOSE = "dispose"
    LOSS = "loss"
    ADJUST = "adjust"
    REVERSAL = "reversal"


class LineageRole(enum.StrEnum):
    INPUT = "input"
    OUTPUT = "output"


#: The hash of the entry before the first one.
GENESIS_HASH = "0" * 64


class LedgerEntry(AppendOnly, Base):
    """One movement of a quantity of one batch between two accounts, chained to the previous entry by hash."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_account_id <> to_account_id", name="distinct_accounts"),
        CheckConstraint("(transformation_id IS NULL) = (lineage_role IS NULL)", name="lineage_complete"),
        Index("ix_ledger_entries_from_batch", "from_account_id", "batch_id"),
        Index("ix_ledger_entries_to_batch", "to_account_id", "batch_id"),
    )

    id: Mapped[UuidPk]
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True, comment="position in the chain, from 1")
    kind: Mapped[EntryKind]
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(comment="kg moved, > 0")
    from_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    to_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    recorded_at: Mapped[dt.datetime]
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprises.id"), comment="acting enterprise")
    document_ref: Mapped[str | None] = mapped_column(String(100), comment="waybill, invoice or record number")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledger_entries.id"), unique=True, comment="the entry this one reverses (at most once)"
    )
    transformation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    lineage_role: Mapped[LineageRole | None]
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True, comment="hex SHA-256 of the canonical form")
    batch_identity: Mapped[str | None] = mapped_column(
        String(64), comment="hex SHA-256 of the batch's identity, on the entry that brought the batch in"
    )

    batch: Mapped[Batch] = relationship()
    from_account: Mapped[Account] = relationship(foreign_keys=[from_account_id])
    to_account: Mapped[Account] = relationship(foreign_keys=[to_account_id])


class Checkpoint(AppendOnly, Base):
    """A Merkle root over the entry hashes of a sequence range, signed with the server's ed25519 key."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (CheckConstraint("first_sequence <= last_sequence", name="range_ordered"),)

    id: Mapped[UuidPk]
    first_sequence: Mapped[int] = mapped_column(BigInteger)
    last_sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    merkle_root: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16), comment="first 16 hex of SHA-256 of the public key")
    public_key: Mapped[str] = mapped_column(String(64), comment="hex ed25519 verify key")
    signature: Mapped[str] = mapped_column(String(128), comment="hex ed25519 signature of the signed message")
    created_at: Mapped[dt.datetime]
    entry_hashes: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="the range's entry hashes, 32 bytes each, in order: the leaves of the signed root")


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    """The ORM half of append-only: no ledger row is ever updated or deleted."""
    for obj in session.deleted:
        if isinstance(obj, AppendOnly):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only: refusing to delete {obj!r}")
    for obj in session.dirty:
        if isinstance(obj, AppendOnly) and session.is_modified(obj, include_collections=False):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only: refusing to update {obj!r}")
