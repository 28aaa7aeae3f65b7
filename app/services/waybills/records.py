"""Everything a submission's checks read, in statements built once and bound per submission (four; six for a
waybill made from a consignment list).

The checks (:mod:`~app.services.waybills.checks`) then decide in memory. However many lines, permits or
records a waybill names, a submission reads:

1. the records the waybill and its version name (the three parties, the two sites, vehicle and trailer,
   driver and escort) and the loading site's ledger account: one row, each outer-joined by its id, so a
   missing one is simply None;
2. the parties' permits of every kind a check asks about (:func:`~app.services.permits.permits_held`);
3. the lines' batches with their chemicals, whether each is hazardous waste, and the Table A entries of the
   chemicals' UN numbers;
4. the stock of those batches at the loading site (:func:`~app.services.ledger.balances.available_by_batch`);
5. only for a waybill made from a consignment list (托运清单): the goods the list declares, and what of them the
   list's other live waybills already carry.

The records are read-only tuples of the columns the checks read, not ORM objects: nothing to track or flush,
and each column read is one conversion (a UUID, a date, a JSON list) fewer than a whole row.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from app.services.ledger.balances import available_by_batch
from app.services.permits import Activity, PermitTerms, permits_held
from models import (
    Account, AccountKind, Batch, Chemical, Consignment, ConsignmentLine, ControlLevel, CrewRole, Enterprise, Person,
    Site, TransportEntry, Vehicle, WasteBatch,
)
from models.fleet import VehicleKind
from models.ledger import kind_literal
from models.waybills import Waybill, WaybillLine, WaybillStatus, WaybillVersion


class PartyRecord(NamedTuple):
    id: uuid.UUID
    name: str
    roles: list[str]
    active: bool


class SiteRecord(NamedTuple):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    active: bool


class VehicleRecord(NamedTuple):
    id: uuid.UUID
    plate: str
    carrier_id: uuid.UUID
    kind: VehicleKind
    hazard_classes: list[str]
    rated_load_kg: Decimal
    tank_media: list[str]
    gps_terminal_id: str | None
    inspection_valid_until: dt.date | None
    active: bool


class CrewRecord(NamedTuple):
    id: uuid.UUID
    employer_id: uuid.UUID
    role: CrewRole
    name: str
    qualification_classes: list[str]
    valid_until: dt.date
    active: bool


class BatchRecord(NamedTuple):
    id: uuid.UUID
    code: str


class ChemicalRecord(NamedTuple):
    id: uuid.UUID
    un_number: str | None
    name_zh: str | None
    name_en: str | None
    hazard_class: str | None
    classification_code: str | None
    packing_group: str | None
    tunnel_code: str | None
    transport_category: str | None
    labels: str | None
    control_level: ControlLevel
    highly_toxic: bool
    explosive_precursor: bool


class EntryRecord(NamedTuple):
    """A Table A entry of a line's UN number (see :mod:`app.services.transport_entries`)."""

    id: uuid.UUID
    ref: str
    un_number: str
    name: str
    hazard_class: str
    classification_code: str
    packing_group: str | None
    labels: str
    special_provisions: str
    tank_code: str
    transport_category: str
    tunnel_code: str
    hazard_id: str
    carriage: str | None
    variant: int


#: The records one waybill names: (name, model, record, the version's column naming it, or None for a party).
NAMED: tuple[tuple[str, type, type[Any], str | None], ...] = (
    ("shipper", Enterprise, PartyRecord, None), ("consignee", Enterprise, PartyRecord, None),
    ("carrier", Enterprise, PartyRecord, None),
    ("loading_site", Site, SiteRecord, "loading_site_id"), ("unloading_site", Site, SiteRecord, "unloading_site_id"),
    ("vehicle", Vehicle, VehicleRecord, "vehicle_id"), ("trailer", Vehicle, VehicleRecord, "trailer_id"),
    ("driver", Person, CrewRecord, "driver_id"), ("escort", Person, CrewRecord, "escort_id"),
)
#: The columns of the version whose values the statement binds.
BOUND = tuple(column for *_, column in NAMED if column)


def _columns(model: type, record: type[Any], name: str | None = None) -> list[Any]:
    """The columns of *record*'s fields, of *model*'s table (aliased as *name*)."""
    table = model.__table__ if name is None else model.__table__.alias(name)
    return [table.c[field] for field in record._fields]


def _slices(records: Iterable[type[Any]]) -> list[slice]:
    """Where each record's fields sit in a row that selects them one after the other."""
    slices: list[slice] = []
    for record in records:
        start = slices[-1].stop if slices else 0
        slices.append(slice(start, start + len(record._fields)))
    return slices


def _named_statement() -> Select[Any]:
    """The waybill's row, outer-joined to each record it names and to the loading site's account.

    Parties join on the waybill's own columns; the version's records on bound ids, since the version checked
    may be a correction not yet written.
    """
    columns = {name: _columns(model, record, name) for name, model, record, _column in NAMED}
    account = Account.__table__.alias("loading_account")
    stmt = select(*(c for group in columns.values() for c in group), account.c.id).select_from(Waybill)
    for name, _model, _record, column in NAMED:
        alias = columns[name][0].table
        stmt = stmt.outerjoin(alias, alias.c.id == (getattr(Waybill, f"{name}_id") if column is None
                                                    else bindparam(column)))
    # A waybill loads from and unloads into the site's default unit (its account names no unit).
    return stmt.outerjoin(account, and_(account.c.kind == kind_literal(AccountKind.SITE),
                                        account.c.site_id == bindparam("loading_site_id"),
                                        account.c.unit_id.is_(None))).where(
        Waybill.id == bindparam("waybill_id"))


_NAMED = _named_statement()
_NAMED_SLICES = _slices(record for _name, _model, record, _column in NAMED)
# With every Table A entry of the chemical's UN number (none when Table A was not imported): one row each; the
# last column is the batch's id again when it is hazardous waste (it has a waste profile), else NULL.
_BATCHES = select(*_columns(Batch, BatchRecord), *_columns(Chemical, ChemicalRecord),
                  *_columns(TransportEntry, EntryRecord), WasteBatch.batch_id).join_from(
    Batch, Chemical, Batch.chemical_id == Chemical.id).outerjoin(
    TransportEntry, TransportEntry.un_number == Chemical.un_number).outerjoin(
    WasteBatch, WasteBatch.batch_id == Batch.id).where(
    Batch.id.in_(bindparam("ids", expanding=True))).order_by(TransportEntry.ref)
_BATCH_SLICES = _slices((BatchRecord, ChemicalRecord, EntryRecord))
# The list's number and each good it declares: a batch and its kg (a list may declare one batch on several lines).
_CONSIGNED = select(Consignment.number, ConsignmentLine.batch_id, ConsignmentLine.quantity_kg).join_from(
    Consignment, ConsignmentLine, ConsignmentLine.consignment_id == Consignment.id).where(
    Consignment.id == bindparam("consignment_id"))
# What the list's other waybills carry (their current versions), per batch: all but drafts (not yet checked) and
# cancelled ones (they carry nothing).
_CONSIGNED_ELSEWHERE = select(WaybillLine.batch_id, func.sum(WaybillLine.quantity_kg)).select_from(Waybill).join(
    WaybillVersion, and_(WaybillVersion.waybill_id == Waybill.id, WaybillVersion.version == Waybill.version)).join(
    WaybillLine, WaybillLine.version_id == WaybillVersion.id).where(
    Waybill.consignment_id == bindparam("consignment_id"), Waybill.id != bindparam("waybill_id"),
    Waybill.status.not_in([WaybillStatus.DRAFT, WaybillStatus.CANCELLED]),
    WaybillLine.batch_id.is_not(None)).group_by(WaybillLine.batch_id)


@dataclass(frozen=True)
class Consigned:
    """The goods of the consignment list a waybill was made from (checked in :mod:`.consigned`)."""

    number: str
    #: Batch id -> kg the list declares of it (summed over the list's lines).
    declared: dict[uuid.UUID, Decimal]
    #: Batch id -> kg of it on the list's other waybills that are neither drafts nor cancelled.
    elsewhere: dict[uuid.UUID, Decimal]


def _consigned(connection: Any, waybill: Waybill) -> Consigned:
    bound = {"consignment_id": waybill.consignment_id, "waybill_id": waybill.id}
    rows = connection.execute(_CONSIGNED, bound).all()
    declared: dict[uuid.UUID, Decimal] = {}
    for _number, batch_id, quantity in rows:
        declared[batch_id] = declared.get(batch_id, Decimal(0)) + quantity
    elsewhere = {batch_id: quantity for batch_id, quantity in connection.execute(_CONSIGNED_ELSEWHERE, bound)}
    return Consigned(rows[0].number if rows else "", declared, elsewhere)


def chemicals_of(session: Session, batch_ids: Iterable[uuid.UUID],
                 *conditions: ColumnElement[bool]) -> dict[uuid.UUID, ChemicalRecord]:
    """The chemical of each of the batches (meeting *conditions*) that exists, by batch id."""
    stmt = select(Batch.id, *_columns(Chemical, ChemicalRecord)).join_from(
        Batch, Chemical, Batch.chemical_id == Chemical.id).where(Batch.id.in_(list(batch_ids)), *conditions)
    return {row[0]: ChemicalRecord._make(row[1:]) for row in session.execute(stmt)}


@dataclass(frozen=True)
class CheckRecords:
    """What the checks look up, keyed by id (a record that does not exist is absent)."""

    parties: dict[uuid.UUID, PartyRecord]
    permits: dict[uuid.UUID, list[PermitTerms]]
    sites: dict[uuid.UUID, SiteRecord]
    vehicles: dict[uuid.UUID, VehicleRecord]
    people: dict[uuid.UUID, CrewRecord]
    #: Batch id -> (batch, its chemical), for the lines' batches that exist.
    batches: dict[uuid.UUID, tuple[BatchRecord, ChemicalRecord]]
    #: Batch id -> kg that may leave the loading site now (0 when nothing is there).
    stock: dict[uuid.UUID, Decimal]
    #: UN number -> the Table A entries of the lines' chemicals, in reference order.
    entries: dict[str, dict[uuid.UUID, EntryRecord]]
    #: The lines' batches that are hazardous waste.
    waste: frozenset[uuid.UUID]
    #: The goods of the consignment list the waybill was made from; None for a waybill made without one.
    consigned: Consigned | None = None

    @classmethod
    def load(cls, session: Session, waybill: Waybill, version: WaybillVersion, activities: Iterable[Activity],
             now: dt.datetime) -> CheckRecords:
        """Read what checking *version* of *waybill* needs, asking about permits for *activities*.

        Read on the session's connection: nothing the session holds unwritten is among these records.
        """
        connection = session.connection()
        row = connection.execute(_NAMED, {"waybill_id": waybill.id,
                                          **{column: getattr(version, column) for column in BOUND}}).one()
        named = [record._make(row[where]) if row[where.start] is not None else None
                 for (_name, _model, record, _column), where in zip(NAMED, _NAMED_SLICES)]
        account_id = row[-1]

        def of(kind: type[Any]) -> dict[uuid.UUID, Any]:
            return {record.id: record for record in named if type(record) is kind}

        parties = of(PartyRecord)
        batch_ids = list({line.batch_id for line in version.lines if line.batch_id})
        batches, entries, waste = {}, {}, set()
        for found in connection.execute(_BATCHES, {"ids": batch_ids}) if batch_ids else ():
            batch, chemical = (record._make(found[where]) for record, where in zip((BatchRecord, ChemicalRecord),
                                                                                   _BATCH_SLICES))
            batches[batch.id] = (batch, chemical)
            if found[_BATCH_SLICES[2].start] is not None:
                entry = EntryRecord._make(found[_BATCH_SLICES[2]])
                entries.setdefault(entry.un_number, {})[entry.id] = entry
            if found[-1] is not None:
                waste.add(batch.id)
        stock = available_by_batch(session, account_id, batches, now) if account_id and batches else {}
        return cls(parties=parties, permits=permits_held(session, parties, activities), sites=of(SiteRecord),
                   vehicles=of(VehicleRecord), people=of(CrewRecord), batches=batches, stock=stock,
                   entries=entries, waste=frozenset(waste),
                   consigned=_consigned(connection, waybill) if waybill.consignment_id else None)
