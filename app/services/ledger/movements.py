"""One entry point for a posting described as plain data (the HTTP ``movements`` resource, scripts).

:func:`post_movement` checks that the fields its kind needs are there, converts the stated quantities to kg
(``units.py``) and calls the use case for the kind. :func:`post_movements` posts many in one ledger
transaction: one chain lock, one commit, every rule checked for each in order, all or nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, Text
from app.services.ledger import lifecycle, transfers
from app.services.ledger.context import transaction_state
from app.services.ledger.posting import Actor, ledger_transaction
from app.services.ledger.transform import Input, Output, transform
from app.services.ledger.units import to_kilograms
from app.services.waste.codes import Declaration
from models import EntryKind, LedgerEntry, PendingTransfer

#: The fields each kind needs besides ``kind`` and ``occurred_at``.
REQUIRED: dict[EntryKind, tuple[str, ...]] = {
    EntryKind.PRODUCE: ("code", "chemical_id", "site_id", "quantity"),
    EntryKind.RECEIVE: ("code", "chemical_id", "site_id", "quantity"),
    EntryKind.GENERATE_WASTE: ("code", "chemical_id", "site_id", "quantity", "waste_code", "waste_characteristics"),
    EntryKind.TRANSFER: ("batch", "from_site_id", "to_site_id", "quantity"),
    EntryKind.LOAD: ("batch", "from_site_id", "carrier_id", "transit_ref", "quantity"),
    EntryKind.UNLOAD: ("batch", "transit_ref", "to_site_id", "quantity"),
    EntryKind.CONSUME: ("batch", "site_id", "quantity"),
    EntryKind.DISPOSE: ("batch", "site_id", "quantity"),
    EntryKind.LOSS: ("batch", "site_id", "quantity"),
    EntryKind.ADJUST: ("batch", "site_id", "counted"),
    EntryKind.TRANSFORM: ("site_id", "inputs", "outputs"),
    EntryKind.SPLIT: ("site_id", "inputs", "outputs"),
    EntryKind.REVERSAL: ("reverses",),
}


def _kg(data: dict[str, Any], field: str = "quantity", prefix: str = "") -> Decimal:
    return to_kilograms(data[field], data.get("unit", "kg"), data.get("density_kg_per_l"), field=prefix + field)


def _counted(data: dict[str, Any]) -> Decimal:
    """A stocktake may count nothing at all; anything else is converted like a quantity."""
    return Decimal(0) if data["counted"] == 0 else _kg(data, "counted")


def _waste(data: dict[str, Any], prefix: str = "") -> Declaration:
    """The waste declaration of a waste batch: its code is required, its category may be left to the code."""
    if not data.get("waste_code"):
        raise ValidationFailed("A waste batch names its hazardous waste code.",
                               errors={f"{prefix}waste_code": [N_("required for a waste batch")]})
    return Declaration(data["waste_code"], tuple(data.get("waste_characteristics") or ()), data.get("waste_category"))


def _introduce(session: Session, actor: Actor, kind: EntryKind, d: dict[str, Any]) -> list[LedgerEntry]:
    return lifecycle.introduce(session, actor, kind=kind, code=d["code"], chemical_id=d["chemical_id"],
                               site_id=d["site_id"], quantity=_kg(d), occurred_at=d["occurred_at"],
                               document_ref=d.get("document_ref"), unit_id=d.get("unit_id"),
                               waste=_waste(d) if kind is EntryKind.GENERATE_WASTE else None)


def _retire(session: Session, actor: Actor, kind: EntryKind, d: dict[str, Any]) -> list[LedgerEntry]:
    return lifecycle.retire(session, actor, kind=kind, batch_code=d["batch"], site_id=d["site_id"],
                            quantity=_kg(d), occurred_at=d["occurred_at"], document_ref=d.get("document_ref"),
                            unit_id=d.get("unit_id"), producer=d.get("producer"))


def _transform(session: Session, actor: Actor, kind: EntryKind, d: dict[str, Any]) -> list[LedgerEntry]:
    inputs = [Input(i["batch"], _kg(i, prefix=f"inputs.{n}."), i.get("producer")) for n, i in enumerate(d["inputs"])]
    outputs = [Output(o["code"], o.get("chemical_id"), _kg(o, prefix=f"outputs.{n}."),
                      _waste(o, f"outputs.{n}.") if o.get("waste") else None)
               for n, o in enumerate(d["outputs"])]
    return transform(session, actor, site_id=d["site_id"], inputs=inputs, outputs=outputs,
                     occurred_at=d["occurred_at"], split=kind is EntryKind.SPLIT, document_ref=d.get("document_ref"))


_Handler = Callable[[Session, Actor, EntryKind, dict[str, Any]], list[LedgerEntry]]
_HANDLERS: dict[EntryKind, _Handler] = {
    EntryKind.PRODUCE: _introduce, EntryKind.RECEIVE: _introduce, EntryKind.GENERATE_WASTE: _introduce,
    EntryKind.CONSUME: _retire, EntryKind.DISPOSE: _retire, EntryKind.LOSS: _retire,
    EntryKind.TRANSFORM: _transform, EntryKind.SPLIT: _transform,
    EntryKind.TRANSFER: lambda s, a, _, d: lifecycle.transfer(
        s, a, batch_code=d["batch"], from_site_id=d["from_site_id"], to_site_id=d["to_site_id"], quantity=_kg(d),
        occurred_at=d["occurred_at"], document_ref=d.get("document_ref"), from_unit_id=d.get("from_unit_id"),
        to_unit_id=d.get("to_unit_id"), producer=d.get("producer")),
    EntryKind.LOAD: lambda s, a, _, d: lifecycle.load(
        s, a, batch_code=d["batch"], from_site_id=d["from_site_id"], carrier_id=d["carrier_id"],
        transit_ref=d["transit_ref"], quantity=_kg(d), occurred_at=d["occurred_at"],
        waybill_id=d.get("waybill_id"), document_ref=d.get("document_ref"), from_unit_id=d.get("from_unit_id"),
        producer=d.get("producer")),
    EntryKind.UNLOAD: lambda s, a, _, d: lifecycle.unload(
        s, a, batch_code=d["batch"], transit_ref=d["transit_ref"], to_site_id=d["to_site_id"], quantity=_kg(d),
        occurred_at=d["occurred_at"], document_ref=d.get("document_ref"), to_unit_id=d.get("to_unit_id"),
        producer=d.get("producer")),
    EntryKind.ADJUST: lambda s, a, _, d: lifecycle.adjust(
        s, a, batch_code=d["batch"], site_id=d["site_id"], counted=_counted(d), occurred_at=d["occurred_at"],
        document_ref=d.get("document_ref"), unit_id=d.get("unit_id"), producer=d.get("producer")),
    EntryKind.REVERSAL: lambda s, a, _, d: lifecycle.reverse(
        s, a, entry_id=d["reverses"], occurred_at=d["occurred_at"], document_ref=d.get("document_ref")),
}


def _complete(data: dict[str, Any]) -> EntryKind:
    """The kind of *data*, once every field it needs is there."""
    kind = EntryKind(data["kind"])
    missing = [f for f in REQUIRED[kind] if data.get(f) is None]
    if missing:
        raise ValidationFailed(Text("A '{kind}' movement needs {names}.", kind=kind, names=', '.join(missing)),
                               errors={f: [Text("required for '{kind}'", kind=kind)] for f in missing})
    return kind


def post_movement(session: Session, actor: Actor, data: dict[str, Any]) -> list[LedgerEntry]:
    """Post the movement *data* describes (``kind``, ``occurred_at`` and the fields of :data:`REQUIRED`)."""
    kind = _complete(data)
    return _HANDLERS[kind](session, actor, kind, data)


def submit_movement(session: Session, actor: Actor, data: dict[str, Any]) -> list[LedgerEntry] | PendingTransfer:
    """:func:`post_movement`, except a transfer into another enterprise's site: that one is offered to the
    receiver (:func:`.transfers.offer`) and posted only when it accepts."""
    kind = _complete(data)
    if kind is EntryKind.TRANSFER and transfers.receiver_of(session, actor, data["to_site_id"]) is not None:
        return offer_transfer(session, actor, data)
    return _HANDLERS[kind](session, actor, kind, data)


def offer_transfer(session: Session, actor: Actor, data: dict[str, Any]) -> PendingTransfer:
    """Offer the transfer *data* describes (its quantity in any unit) to the enterprise holding ``to_site_id``."""
    return transfers.offer(session, actor, batch_code=data["batch"], from_site_id=data["from_site_id"],
                           to_site_id=data["to_site_id"], quantity=_kg(data), occurred_at=data["occurred_at"],
                           document_ref=data.get("document_ref"), producer=data.get("producer"))


#: The most postings one batch may carry (the HTTP form is bounded the same).
MAX_BATCH = 1000


def post_movements(session: Session, actor: Actor, items: Sequence[dict[str, Any]]) -> list[LedgerEntry]:
    """Post every movement of *items* in order, in one ledger transaction: all of them, or none.

    Each item sees the ones before it (a batch produced by item 0 may be spent by item 1). The first item
    that breaks a rule rolls everything back; its error names it, e.g. ``items.3.quantity``.
    """
    if not items or len(items) > MAX_BATCH:
        raise ValidationFailed(Text("A batch carries 1 to {max_batch} movements; got {value}.", max_batch=MAX_BATCH,
                                    value=len(items)),
                               errors={"items": [Text("between 1 and {max_batch} movements", max_batch=MAX_BATCH)]})
    entries: list[LedgerEntry] = []
    with ledger_transaction(session):
        state = transaction_state(session)
        if state is not None:
            state.defer_flush = True
        for n, data in enumerate(items):
            try:
                entries += post_movement(session, actor, data)
            except DomainError as error:
                raise _of_item(error, n) from error
    return entries


def _of_item(error: DomainError, n: int) -> DomainError:
    """*error* as raised by item *n*: same class, status and code; its field paths under ``items.n``."""
    errors = {f"items.{n}.{field}": messages for field, messages in (error.errors or {}).items()}
    return type(error)(f"Movement {n}: {error.detail}", errors=errors or {f"items.{n}": [error.detail]},
                       code=error.code)
