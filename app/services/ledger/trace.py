"""A batch's whole chain: the batches upstream and downstream, every entry of theirs, the documents, and
where every kilogram went.

Set-based: one recursive query per direction walks the lineage (input batch -> output batch of the same
transformation), then one query each loads the batches, their entries and the accounts those touch.
Reconciliation is computed from those entries: for each batch, what came in from boundaries equals what is
on hand plus what went out to boundaries.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import String, Uuid, cast, literal, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.errors import NotFound
from app.services.waste.batches import traced as traced_waste
from models import Account, AccountKind, Batch, EntryKind, LedgerEntry, LineageRole

DIRECTIONS = ("up", "down", "both")
ENTRY_COLUMNS = (LedgerEntry.id, LedgerEntry.sequence, LedgerEntry.kind, LedgerEntry.batch_id, LedgerEntry.quantity,
                 LedgerEntry.from_account_id, LedgerEntry.to_account_id, LedgerEntry.occurred_at,
                 LedgerEntry.recorded_at, LedgerEntry.enterprise_id, LedgerEntry.document_ref,
                 LedgerEntry.reverses_id, LedgerEntry.transformation_id, LedgerEntry.lineage_role, LedgerEntry.hash)


@dataclass
class Trace:
    root: Batch
    direction: str
    relation: dict[uuid.UUID, str]  # batch id -> self / upstream / downstream
    batches: dict[uuid.UUID, Batch]
    entries: list[TracedEntry]
    accounts: dict[uuid.UUID, Account]
    #: The waste batches' profiles and manifests (``app/services/waste/batches.py``), by batch id.
    waste: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


def _related(session: Session, batch_id: uuid.UUID, downstream: bool) -> set[uuid.UUID]:
    """Every batch reachable from *batch_id* through lineage, in one recursive query."""
    inp, out = aliased(LedgerEntry), aliased(LedgerEntry)
    near, far = (inp, out) if downstream else (out, inp)
    reach = select(literal(batch_id, Uuid()).label("id")).cte("reach", recursive=True)
    step = (select(far.batch_id)
            .select_from(near)
            .join(reach, near.batch_id == reach.c.id)
            .join(far, far.transformation_id == near.transformation_id)
            .where(inp.lineage_role == LineageRole.INPUT, out.lineage_role == LineageRole.OUTPUT))
    reach = reach.union(step)
    return set(session.scalars(select(reach.c.id))) - {batch_id}


def trace(session: Session, code: str, direction: str = "both") -> Trace:
    root = session.scalars(select(Batch).where(Batch.code == code)).one_or_none()
    if root is None:
        raise NotFound(f"No batch '{code}'.")
    relation = {root.id: "self"}
    if direction in ("down", "both"):
        relation |= {b: "downstream" for b in _related(session, root.id, downstream=True)}
    if direction in ("up", "both"):
        relation |= {b: "upstream" for b in _related(session, root.id, downstream=False)}
    batches = {b.id: b for b in session.scalars(
        select(Batch).options(joinedload(Batch.chemical), joinedload(Batch.producer))
        .where(Batch.id.in_(relation)))}
    entries = _entries(session, relation)
    account_ids = {e.from_account_id for e in entries} | {e.to_account_id for e in entries}
    accounts = {a.id: a for a in session.scalars(
        select(Account).options(joinedload(Account.site), joinedload(Account.enterprise))
        .where(Account.id.in_(account_ids)))}
    return Trace(root, direction, relation, batches, entries, accounts, traced_waste(session, relation))


class TracedEntry(NamedTuple):
    """One traced entry: the columns of :data:`ENTRY_COLUMNS`, by the same names."""

    id: uuid.UUID
    sequence: int
    kind: EntryKind
    batch_id: uuid.UUID
    quantity: Decimal
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    enterprise_id: uuid.UUID
    document_ref: str | None
    reverses_id: uuid.UUID | None
    transformation_id: uuid.UUID | None
    lineage_role: LineageRole | None
    hash: str


_UUID_FIELDS = tuple(n for n, column in enumerate(ENTRY_COLUMNS) if isinstance(column.type, Uuid))


def _entries(session: Session, batch_ids: Iterable[uuid.UUID]) -> list[TracedEntry]:
    """The entries of *batch_ids* in chain order, in one query.

    A 10,000-entry tree names a few thousand distinct accounts, batches and transformations tens of
    thousands of times: the UUID columns are read as text and each distinct value becomes a UUID once.
    """
    columns = [cast(c, String()) if n in _UUID_FIELDS else c for n, c in enumerate(ENTRY_COLUMNS)]
    rows = session.execute(select(*columns).where(LedgerEntry.batch_id.in_(list(batch_ids)))
                           .order_by(LedgerEntry.sequence)).all()
    known: dict[str, uuid.UUID] = {}
    entries = []
    for row in rows:
        values = list(row)
        for n in _UUID_FIELDS:
            text = values[n]
            if text is not None:
                found = known.get(text)
                if found is None:
                    found = known[text] = uuid.UUID(text)
                values[n] = found
        entries.append(TracedEntry._make(values))
    return entries


def account_label(account: Account) -> dict[str, Any]:
    label: dict[str, Any] = {"id": str(account.id), "kind": account.kind.value,
                             "enterprise": account.enterprise.name}
    if account.kind is AccountKind.SITE and account.site is not None:
        label["site"] = account.site.name
    elif account.kind is AccountKind.TRANSIT:
        label["reference"] = account.reference
        label["waybill_id"] = str(account.waybill_id) if account.waybill_id else None
    else:
        label["boundary"] = account.boundary.value if account.boundary else None
    return label


def _kg(value: Decimal) -> str:
    return f"{value:.3f}"


def reconcile(result: Trace) -> dict[uuid.UUID, dict[str, Any]]:
    """Per batch: kg in from each boundary, on hand per holding account, out to each boundary."""
    inflow: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    outflow: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    on_hand: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    boundary = {a.id: None if a.holds_stock else a.boundary.value for a in result.accounts.values()}
    for entry in result.entries:
        source, target = boundary[entry.from_account_id], boundary[entry.to_account_id]
        if source is None:
            on_hand[entry.batch_id][entry.from_account_id] -= entry.quantity
        else:
            inflow[entry.batch_id][source] += entry.quantity
        if target is None:
            on_hand[entry.batch_id][entry.to_account_id] += entry.quantity
        else:
            outflow[entry.batch_id][target] += entry.quantity
    summary = {}
    for batch_id in result.batches:
        held = {a: q for a, q in on_hand[batch_id].items() if q}
        total_in, total_out = sum(inflow[batch_id].values(), Decimal()), sum(outflow[batch_id].values(), Decimal())
        summary[batch_id] = {
            "in_kg": {k: _kg(v) for k, v in sorted(inflow[batch_id].items())},
            "on_hand": [{"account": account_label(result.accounts[a]), "kg": _kg(q)} for a, q in held.items()],
            "out_kg": {k: _kg(v) for k, v in sorted(outflow[batch_id].items())},
            "reconciles": total_in == sum(held.values(), Decimal()) + total_out,
        }
    return summary


def transformations(result: Trace) -> dict[uuid.UUID, list[TracedEntry]]:
    """The traced entries of each transformation, in the order the transformations were recorded."""
    groups: dict[uuid.UUID, list[TracedEntry]] = defaultdict(list)
    for entry in result.entries:
        if entry.transformation_id:
            groups[entry.transformation_id].append(entry)
    return groups


def lineage(result: Trace) -> list[dict[str, Any]]:
    """The transformations among the traced entries, inputs and outputs with their quantities."""
    return [{
        "transformation_id": str(tid), "kind": rows[0].kind.value, "occurred_at": rows[0].occurred_at.isoformat(),
        **{f"{role.value}s": [{"batch": result.batches[r.batch_id].code, "kg": _kg(r.quantity)}
                              for r in rows if r.lineage_role is role and r.batch_id in result.batches]
           for role in LineageRole},
    } for tid, rows in transformations(result).items()]


def documents(result: Trace) -> list[str]:
    refs: Iterable[str | None] = [e.document_ref for e in result.entries] + [
        a.reference for a in result.accounts.values() if a.kind is AccountKind.TRANSIT]
    return sorted({r for r in refs if r})


def as_json(result: Trace) -> dict[str, Any]:
    summary = reconcile(result)
    labels = {account_id: account_label(account) for account_id, account in result.accounts.items()}
    codes = {batch_id: batch.code for batch_id, batch in result.batches.items()}
    return {
        "batch": result.root.code,
        "direction": result.direction,
        "batches": [{
            "code": b.code, "relation": result.relation[b.id], "chemical": {
                "id": str(b.chemical_id), "un_number": b.chemical.un_number,
                "name": b.chemical.name_zh or b.chemical.name_en},
            "producer": {"id": str(b.producer_id), "name": b.producer.name},
            "produced_at": b.produced_at.isoformat(), "quantity_kg": _kg(b.quantity), **summary[b.id],
            "waste": result.waste.get(b.id),
        } for b in sorted(result.batches.values(), key=lambda b: (b.produced_at, b.code))],
        "lineage": lineage(result),
        "entries": [{
            "sequence": e.sequence, "id": str(e.id), "kind": e.kind.value, "batch": codes[e.batch_id],
            "kg": _kg(e.quantity), "from": labels[e.from_account_id],
            "to": labels[e.to_account_id], "occurred_at": e.occurred_at.isoformat(),
            "document_ref": e.document_ref, "reverses": str(e.reverses_id) if e.reverses_id else None,
            "hash": e.hash,
        } for e in result.entries],
        "documents": documents(result),
    }
