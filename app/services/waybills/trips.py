"""One vehicle, one crew, one trip at a time: a vehicle (or its trailer, driver, escort) on the road under one
waybill does not depart under another, unless the waybills declare one shared trip (the same ``shared_trip``
reference, of the same carrier) whose goods may be loaded together; planned windows that overlap are a warning
at submission.

The rule follows from Order 29 Art. 24 (one waybill per vehicle per trip, carried by the driver) and the
GPS feed, which can put a terminal's fixes on one trip only.
"""
from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, literal_column, or_, select, union
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.i18n import Text
from app.services.dangerous_goods.entries import Entry
from app.services.dangerous_goods.mixed_loading import mixed_loading
from app.services.transport_entries import chemical_entry, entry_of
from models import Batch, Chemical, TransportEntry
from models.waybills import Waybill, WaybillLine, WaybillStatus as S, WaybillVersion

#: What one waybill occupies: field -> the fields of another waybill naming the same record.
OCCUPIES = {"vehicle_id": ("vehicle_id", "trailer_id"), "trailer_id": ("vehicle_id", "trailer_id"),
            "driver_id": ("driver_id", "escort_id"), "escort_id": ("driver_id", "escort_id")}
#: How many overlapping waybills a submission's warnings name: the first by departure tell the carrier enough,
#: and a vehicle with hundreds of planned trips must not make each submission read (and warn of) all of them.
OVERLAPS_LISTED = 5
#: States in which a waybill holds its vehicle and crew for its planned window.
PLANNED = (S.ISSUED, S.AWAITING_PASS, S.IN_TRANSIT)


@dataclass(frozen=True)
class Other:
    id: uuid.UUID
    number: str
    carrier_id: uuid.UUID
    shared_trip: str | None
    field: str
    #: its shipper and consignee: whether everyone who reads this waybill may read that one too
    parties: tuple[uuid.UUID, uuid.UUID]


def _others(session: Session, waybill: Waybill, version: WaybillVersion, statuses: tuple[S, ...],
            *, window: bool = False, limit: int | None = None) -> Iterator[Other]:
    """The other waybills in *statuses* whose current version names one of *version*'s vehicle and crew, by
    planned departure (then id), the first *limit* of them; with *window*, only those whose planned departure
    window overlaps *version*'s and which do not declare its shared trip (see :func:`overlapping_trips`)."""
    named = tuple((mine, theirs) for mine, fields in OCCUPIES.items() for theirs in fields if getattr(version, mine))
    if not named:
        return
    window = window and version.departure_earliest is not None and version.departure_latest is not None
    params = {"waybill_id": waybill.id, **{f"status_{n}": status for n, status in enumerate(statuses)},
              **{mine: getattr(version, mine) for mine, _theirs in named}}
    if window:
        params |= {"earliest": version.departure_earliest, "latest": version.departure_latest,
                   "shared_trip": version.shared_trip, "carrier_id": waybill.carrier_id}
    statement = _others_statement(named, len(statuses), window, bool(window and version.shared_trip), limit)
    for row in session.connection().execute(statement, params):
        field = next(mine for mine, theirs in named if row._mapping[theirs] == getattr(version, mine))
        yield Other(row.id, row.number, row.carrier_id, row.shared_trip, field, (row.shipper_id, row.consignee_id))


@functools.cache
def _others_statement(named: tuple[tuple[str, str], ...], statuses: int, window: bool, shared: bool,
                      limit: int | None) -> Select:
    """The statement :func:`_others` runs for one shape of question, built once and bound per call (a
    submission asks it every time; building the expression each time cost more than running it). The
    *statuses* are as many parameters, not one expanding list: SQLAlchemy rewrites the statement's text for
    such a list on every run, which cost four times what SQLite took to answer this union."""
    # One branch a (field, other waybill's field) pair, each an index range of that column in departure order
    # (migration 0040): an OR across four columns is answered by reading every waybill of the statuses. With a
    # limit, each branch stops at its first *limit* rows, which hold every row of the union's first *limit*: the
    # question reads a few rows however many trips the vehicle or crew has planned.
    theirs = tuple(dict.fromkeys(column for _mine, column in named))
    conditions = [WaybillVersion.waybill_id != bindparam("waybill_id"),
                  Waybill.status.in_([bindparam(f"status_{n}") for n in range(statuses)])]
    if window:
        conditions += [WaybillVersion.departure_earliest <= bindparam("latest"),
                       WaybillVersion.departure_latest >= bindparam("earliest")]
    if shared:  # the waybills of one shared trip overlap by design
        conditions.append(or_(WaybillVersion.shared_trip.is_(None),
                              WaybillVersion.shared_trip != bindparam("shared_trip"),
                              Waybill.carrier_id != bindparam("carrier_id")))
    order = (WaybillVersion.departure_earliest, WaybillVersion.waybill_id)
    # The limit in the statement's text, not a parameter: PostgreSQL plans a prepared statement's (psycopg
    # prepares one run five times) for a LIMIT parameter of unknown size.
    first = literal_column(str(limit)) if limit is not None else None
    branches = []
    for mine, column in named:
        branch = select(WaybillVersion.waybill_id.label("id"), Waybill.number, Waybill.carrier_id,
                        Waybill.shipper_id, Waybill.consignee_id, WaybillVersion.shared_trip,
                        WaybillVersion.departure_earliest,
                        *(getattr(WaybillVersion, name) for name in theirs)) \
            .join(Waybill, and_(Waybill.id == WaybillVersion.waybill_id, Waybill.version == WaybillVersion.version)) \
            .where(getattr(WaybillVersion, column) == bindparam(mine), *conditions)
        if limit is not None:  # a union's member may not have its own LIMIT on SQLite: a subquery may
            branch = select(branch.order_by(*order).limit(first).subquery())
        branches.append(branch)
    others = union(*branches).subquery()
    statement = select(others).order_by(others.c.departure_earliest, others.c.id)
    return statement if limit is None else statement.limit(first)


def _shared(waybill: Waybill, version: WaybillVersion, other: Other) -> bool:
    return bool(version.shared_trip) and other.shared_trip == version.shared_trip \
        and other.carrier_id == waybill.carrier_id


def overlapping_trips(session: Session, waybill: Waybill, version: WaybillVersion) -> list[tuple[str, Text]]:
    """``(field, message)`` for each other planned waybill of the same vehicle or crew whose departure window
    overlaps *version*'s (and which does not declare the same shared trip)."""
    if version.departure_earliest is None or version.departure_latest is None:
        return []
    return [(other.field, _overlap(waybill, other))
            for other in _others(session, waybill, version, PLANNED, window=True, limit=OVERLAPS_LISTED)]


def _overlap(waybill: Waybill, other: Other) -> Text:
    """The warning of one overlapping trip. Its shipper and consignee read this waybill's warnings: the other's
    number only when they are its parties too (the carrier's other customers' waybills are not theirs to know)."""
    if (*other.parties, other.carrier_id) == (waybill.shipper_id, waybill.consignee_id, waybill.carrier_id):
        return Text("also planned on waybill {number} in an overlapping window", number=other.number)
    return Text("also planned on another waybill of the carrier in an overlapping window")


def check_free(session: Session, waybill: Waybill, version: WaybillVersion) -> None:
    """Refuse (409 ``vehicle_in_use``, naming the other waybill) a departure whose vehicle or crew is on the road
    under another waybill, unless both declare one shared trip and all their goods may be loaded together."""
    for other in _others(session, waybill, version, (S.IN_TRANSIT,)):
        if not _shared(waybill, version, other):
            raise Conflict(Text("The {what} is on the road under waybill {number}; it departs once that trip has "
                                "arrived (or declare one shared trip).",
                                what=other.field.removesuffix('_id'), number=other.number),
                           code="vehicle_in_use",
                           errors={other.field: [Text("in transit on waybill {number}", number=other.number)]})
        refused = mixed_loading(_cargo(session, (waybill.id, other.id))).reasons
        if refused:
            raise Conflict(Text("The goods of waybill {number} may not be loaded with these: {value}.",
                                number=other.number, value=refused[0]),
                           code="vehicle_in_use", errors={"shared_trip": [refused[0]]})


def _cargo(session: Session, waybill_ids: tuple[uuid.UUID, ...]) -> list[Entry]:
    """The Table A entries of the goods on board under the current versions of *waybill_ids* (ADR 7.5.2 reads
    entries): each line's submitted entry, or its chemical's own facts where Table A was never imported."""
    rows = session.execute(
        select(TransportEntry, Chemical)
        .select_from(Waybill)
        .join(WaybillVersion, and_(WaybillVersion.waybill_id == Waybill.id, WaybillVersion.version == Waybill.version))
        .join(WaybillLine, WaybillLine.version_id == WaybillVersion.id)
        .join(Batch, Batch.id == WaybillLine.batch_id).join(Chemical, Chemical.id == Batch.chemical_id)
        .outerjoin(TransportEntry, TransportEntry.id == WaybillLine.entry_id)
        .where(Waybill.id.in_(waybill_ids)))
    return [entry_of(entry) if entry is not None else chemical_entry(chemical) for entry, chemical in rows]
