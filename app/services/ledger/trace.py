"""A batch's whole chain: the batches upstream and downstream, every entry of theirs, the documents, and
where every kilogram went.

Set-based: one recursive query per direction walks the lineage (input batch -> output batch of the same
transformation), then one query each loads the batches, their entries and the accounts those touch.
Reconciliation is computed from those entries: for each batch, what came in from boundaries equals what is
on hand plus what went out to boundaries.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Uuid, literal, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.errors import NotFound
from models import Account, AccountKind, Batch, LedgerEntry, LineageRole

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
    entries: list[Row[Any]]
    accounts: dict[uuid.UUID, Account]


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
    entries = list(session.execute(
        select(*ENTRY_COLUMNS).where(LedgerEntry.batch_id.in_(relation)).order_by(LedgerEntry.sequence)))
    account_ids = {e.from_account_id for e in entries} | {e.to_account_id for e in entries}
    accounts = {a.id: a for a in session.scalars(
        select(Account).options(joinedload(Account.site), joinedload(Account.enterprise))
        .where(Account.id.in_(account_ids)))}
    return Trace(root, direction, relation, batches, entries, accounts)


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
    for entry in result.entries:
        source, target = result.accounts[entry.from_account_id], result.accounts[entry.to_account_id]
        if source.holds_stock:
            on_hand[entry.batch_id][source.id] -= entry.quantity
        else:
            inflow[entry.batch_id][source.boundary.value] += entry.quantity
        if target.holds_stock:
            on_hand[entry.batch_id][target.id] += entry.quantity
        else:
            outflow[entry.batch_id][target.boundary.value] += entry.quantity
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


def transformations(result: Trace) -> dict[uuid.UUID, list[Row[Any]]]:
    """The traced entries of each transformation, in the order the transformations were recorded."""
    groups: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
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
    return {
        "batch": result.root.code,
        "direction": result.direction,
        "batches": [{
            "code": b.code, "relation": result.relation[b.id], "chemical": {
                "id": str(b.chemical_id), "un_number": b.chemical.un_number,
                "name": b.chemical.name_zh or b.chemical.name_en},
            "producer": {"id": str(b.producer_id), "name": b.producer.name},
            "produced_at": b.produced_at.isoformat(), "quantity_kg": _kg(b.quantity), **summary[b.id],
        } for b in sorted(result.batches.values(), key=lambda b: (b.produced_at, b.code))],
        "lineage": lineage(result),
        "entries": [{
            "sequence": e.sequence, "id": str(e.id), "kind": e.kind.value, "batch": result.batches[e.batch_id].code,
            "kg": _kg(e.quantity), "from": account_label(result.accounts[e.from_account_id]),
            "to": account_label(result.accounts[e.to_account_id]), "occurred_at": e.occurred_at.isoformat(),
            "document_ref": e.document_ref, "reverses": str(e.reverses_id) if e.reverses_id else None,
            "hash": e.hash,
        } for e in result.entries],
        "documents": documents(result),
    }
