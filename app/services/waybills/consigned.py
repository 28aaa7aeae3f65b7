"""A waybill made from a consignment list (托运清单) carries the goods the list declares, and no more of them.

Order 29 (交通运输部令2019年第29号) has the shipper declare its goods to the carrier on the list and the carrier make
the waybill (Art. 24) from it (app/data/README.md, "E-waybill audit"): the waybill states the goods the shipper
handed over. A carrier editing a waybill made from a list could otherwise put on it a batch the shipper never
declared, or more of one than declared. So each line's batch must be one the list declares, and what the lines
ask of a batch, with what the list's other live waybills already carry of it, must not exceed what the list
declares: one list may be split over several vehicles (several waybills), never enlarged.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from app.i18n import Text
from app.services.waybills.records import Consigned

if TYPE_CHECKING:
    from app.services.waybills.checks import Findings, LoadedLine


def check_consigned(consigned: Consigned | None, lines: Sequence[LoadedLine], found: Findings) -> None:
    """Refuse each line whose batch *consigned* (the list's goods; None: no list) does not declare, or whose batch
    is asked beyond what the list declares of it."""
    if consigned is None:
        return
    asked: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for item in lines:
        asked[item.batch.id] += item.line.quantity_kg or Decimal(0)
    for item in lines:
        batch = item.batch
        if batch.id not in consigned.declared:
            found.error(f"{item.path}.batch_id", Text("batch {batch} is not on consignment list {number}",
                                                      batch=batch.code, number=consigned.number))
            continue
        declared, taken = consigned.declared[batch.id], consigned.elsewhere.get(batch.id, Decimal(0))
        if asked[batch.id] + taken > declared:
            found.error(f"{item.path}.quantity_kg",
                        Text("{asked} kg of batch {batch} asked, {taken} kg already on other waybills of consignment "
                             "list {number}, which declares {declared} kg", asked=asked[batch.id], batch=batch.code,
                             taken=taken, number=consigned.number, declared=declared))
