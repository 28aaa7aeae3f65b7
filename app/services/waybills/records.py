"""Everything a submission's checks read, in four statements built once and bound per submission.

The checks (:mod:`~app.services.waybills.checks`) then decide in memory. However many lines, permits or
records a waybill names, a submission reads:

1. the records the waybill and its version name (the three parties, the two sites, vehicle and trailer,
   driver and escort) and the loading site's ledger account: one row, each outer-joined by its id, so a
   missing one is simply None;
2. the parties' permits of every kind a check asks about;
3. the lines' batches with their chemicals;
4. the stock of those batches at the loading site (:func:`~app.services.ledger.balances.available_by_batch`).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from app.services.ledger.balances import available_by_batch
from app.services.permits import Activity, permits_held
from models import Account, AccountKind, Batch, Chemical, Enterprise, Permit, Person, Site, Vehicle
from models.ledger import kind_literal
from models.waybills import Waybill, WaybillVersion

#: The records one waybill names: (name, model, the version's column naming it, or None for a party).
NAMED = (
    ("shipper", Enterprise, None), ("consignee", Enterprise, None), ("carrier", Enterprise, None),
    ("loading_site", Site, "loading_site_id"), ("unloading_site", Site, "unloading_site_id"),
    ("vehicle", Vehicle, "vehicle_id"), ("trailer", Vehicle, "trailer_id"),
    ("driver", Person, "driver_id"), ("escort", Person, "escort_id"),
)
#: The columns of the version whose values the statement binds.
BOUND = tuple(column for _name, _model, column in NAMED if column)


def _named_statement() -> Select:
    """The waybill's row, outer-joined to each record it names and to the loading site's account.

    Parties join on the waybill's own columns; the version's records on bound ids, since the version checked
    may be a correction not yet written.
    """
    aliases = {name: aliased(model, name=name) for name, model, _column in NAMED}
    account = aliased(Account, name="loading_account")
    stmt = select(*aliases.values(), account.id).select_from(Waybill)
    for name, _model, column in NAMED:
        target = getattr(Waybill, f"{name}_id") if column is None else bindparam(column)
        stmt = stmt.outerjoin(aliases[name], aliases[name].id == target)
    return stmt.outerjoin(account, and_(account.kind == kind_literal(AccountKind.SITE),
                                        account.site_id == bindparam("loading_site_id"))).where(
        Waybill.id == bindparam("waybill_id"))


_NAMED = _named_statement()
_BATCHES = select(Batch, Chemical).join(Chemical, Batch.chemical_id == Chemical.id).where(
    Batch.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class CheckRecords:
    """What the checks look up, keyed by id (a record that does not exist is absent)."""

    parties: dict[uuid.UUID, Enterprise]
    permits: dict[uuid.UUID, list[Permit]]
    sites: dict[uuid.UUID, Site]
    vehicles: dict[uuid.UUID, Vehicle]
    people: dict[uuid.UUID, Person]
    #: Batch id -> (batch, its chemical), for the lines' batches that exist.
    batches: dict[uuid.UUID, tuple[Batch, Chemical]]
    #: Batch id -> kg that may leave the loading site now (0 when nothing is there).
    stock: dict[uuid.UUID, Decimal]

    @classmethod
    def load(cls, session: Session, waybill: Waybill, version: WaybillVersion, activities: Iterable[Activity],
             now: dt.datetime) -> CheckRecords:
        """Read what checking *version* of *waybill* needs, asking about permits for *activities*."""
        row = session.execute(_NAMED, {"waybill_id": waybill.id,
                                       **{column: getattr(version, column) for column in BOUND}}).one()
        *named, account_id = row

        def of(model: type) -> dict:
            return {record.id: record for (_n, m, _c), record in zip(NAMED, named) if m is model and record}

        parties = of(Enterprise)
        batch_ids = list({line.batch_id for line in version.lines if line.batch_id})
        batches = {b.id: (b, c) for b, c in session.execute(_BATCHES, {"ids": batch_ids})} if batch_ids else {}
        stock = available_by_batch(session, account_id, batches, now) if account_id and batches else {}
        return cls(
            parties=parties, permits=permits_held(session, parties, activities), sites=of(Site),
            vehicles=of(Vehicle), people=of(Person), batches=batches, stock=stock,
        )
