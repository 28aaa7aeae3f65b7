"""A batch's whole chain: the batches upstream and downstream, every entry of theirs, the documents, and
where every kilogram went.

Set-based: one recursive query per direction walks the lineage (input batch -> output batch of the same
transformation), then one query each reads the batches, their entries and the accounts those touch.
Batches and entries are read as plain rows holding the very text the exports print (ids, ISO times; see
:mod:`~app.services.ledger.sql_text`), quantities as integer grams, and the ids that only join rows (batch,
accounts) as keys in whatever text the database holds them: a 10,000-entry tree builds no UUID, Decimal or
datetime object per entry (issue #4). Reconciliation is summed from those entries in grams: for
each batch, what came in from boundaries equals what is on hand plus what went out to boundaries.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import String, Uuid, func, literal, select, type_coerce
from sqlalchemy.orm import Session, aliased, joinedload

from app.errors import NotFound
from app.i18n import Text
from app.services.ledger.codes import ProducerRef, choose, of_producer
from app.services.ledger.sql_text import grams, iso_text, kg_text, uuid_key, uuid_text
from models import Account, AccountKind, Batch, Chemical, Enterprise, LedgerEntry, LineageRole
from app.services.waste.batches import traced as traced_waste

DIRECTIONS = ("up", "down", "both")


class TracedBatch(NamedTuple):
    """One traced batch, as the exports print it (ids and times as text); ``key`` identifies it in a trace."""

    key: str
    code: str
    chemical_id: str
    un_number: str | None
    chemical_name: str | None
    producer_id: str
    producer_name: str
    produced_at: str
    grams: int


_BATCH_COLUMNS = (uuid_key(Batch.id), Batch.code, uuid_text(Batch.chemical_id), Chemical.un_number,
                  func.coalesce(func.nullif(Chemical.name_zh, ""), Chemical.name_en),  # name_zh or name_en
                  uuid_text(Batch.producer_id), Enterprise.name, iso_text(Batch.produced_at), grams(Batch.quantity))


class TracedEntry(NamedTuple):
    """One traced entry, as the exports print it (ids and times as text, enums by value); its batch and
    accounts by their keys in the trace."""

    sequence: int
    id: str
    kind: str
    batch_id: str
    grams: int
    from_account_id: str
    to_account_id: str
    occurred_at: str
    recorded_at: str
    document_ref: str | None
    reverses_id: str | None
    transformation_id: str | None
    lineage_role: str | None
    hash: str


_ENTRY_COLUMNS = (LedgerEntry.sequence, uuid_text(LedgerEntry.id), type_coerce(LedgerEntry.kind, String()),
                  uuid_key(LedgerEntry.batch_id), grams(LedgerEntry.quantity), uuid_key(LedgerEntry.from_account_id),
                  uuid_key(LedgerEntry.to_account_id), iso_text(LedgerEntry.occurred_at),
                  iso_text(LedgerEntry.recorded_at), LedgerEntry.document_ref, uuid_text(LedgerEntry.reverses_id),
                  uuid_text(LedgerEntry.transformation_id), type_coerce(LedgerEntry.lineage_role, String()),
                  LedgerEntry.hash)


@dataclass
class Trace:
    """Everything :func:`trace` found; every mapping is keyed by the key of the batch or account."""

    root: TracedBatch
    direction: str
    relation: dict[str, str]  # batch key -> self / upstream / downstream
    batches: dict[str, TracedBatch]
    entries: list[TracedEntry]  # in chain order
    accounts: dict[str, Account]
    #: The waste batches' profiles and manifests (``app/services/waste/batches.py``), by batch key.
    waste: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def trace(session: Session, code: str, direction: str = "both", producer: ProducerRef | None = None) -> Trace:
    """The chain of the batch *code* names (the lot of *producer*, its id or USCC, when given; the authorities
    read every producer's, so a code several producers use must name one: 409 ``ambiguous_batch``)."""
    stmt = select(Batch).where(Batch.code == code)
    if producer is not None:
        stmt = stmt.where(of_producer(producer))
    root = choose(session.scalars(stmt).all(), code)
    if root is None:
        raise NotFound(Text("No batch '{code}'.", code=code))
    root_id = root.id
    related = {root_id: "self"}
    if direction in ("down", "both"):
        related |= {b: "downstream" for b in _related(session, root_id, downstream=True)}
    if direction in ("up", "both"):
        related |= {b: "upstream" for b in _related(session, root_id, downstream=False)}
    # Core execution, whole results at once: the drivers build the rows in C (iterating a result fetches a row
    # at a time), without the ORM's per-row loading machinery.
    connection = session.connection()
    keys: dict[uuid.UUID, str] = {}
    batches: dict[str, TracedBatch] = {}
    for batch_id, *values in connection.execute(
            select(Batch.id, *_BATCH_COLUMNS).join(Chemical, Chemical.id == Batch.chemical_id)
            .join(Enterprise, Enterprise.id == Batch.producer_id).where(Batch.id.in_(list(related)))).all():
        batch = TracedBatch._make(values)
        keys[batch_id], batches[batch.key] = batch.key, batch
    entries = list(map(TracedEntry._make, connection.execute(
        select(*_ENTRY_COLUMNS).where(LedgerEntry.batch_id.in_(list(related))).order_by(LedgerEntry.sequence)).all()))
    account_keys = {e.from_account_id for e in entries} | {e.to_account_id for e in entries}
    accounts = dict(session.execute(  # uuid.UUID reads both key forms
        select(uuid_key(Account.id), Account).options(joinedload(Account.site), joinedload(Account.enterprise))
        .where(Account.id.in_([uuid.UUID(key) for key in account_keys]))).all())
    relation = {keys[batch_id]: kind for batch_id, kind in related.items()}
    waste = {keys[batch_id]: found for batch_id, found in traced_waste(session, related).items()}
    return Trace(batches[keys[root_id]], direction, relation, batches, entries, accounts, waste)


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


def reconcile(result: Trace, labels: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per batch: kg in from each boundary, on hand per holding account, out to each boundary.

    *labels* are the accounts' :func:`account_label`. The entries are first summed per (batch, from, to):
    a few thousand sums instead of ten thousand entries to sort into flows.
    """
    moved: dict[tuple[str, str, str], int] = defaultdict(int)
    for entry in result.entries:
        moved[entry.batch_id, entry.from_account_id, entry.to_account_id] += entry.grams
    inflow: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    outflow: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    on_hand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    boundary = {key: None if a.holds_stock else a.boundary.value for key, a in result.accounts.items()}
    for (batch_id, from_account, to_account), quantity in moved.items():
        source, target = boundary[from_account], boundary[to_account]
        if source is None:
            on_hand[batch_id][from_account] -= quantity
        else:
            inflow[batch_id][source] += quantity
        if target is None:
            on_hand[batch_id][to_account] += quantity
        else:
            outflow[batch_id][target] += quantity
    summary = {}
    for batch_id in result.batches:
        held = {a: g for a, g in on_hand[batch_id].items() if g}
        summary[batch_id] = {
            "in_kg": {k: kg_text(v) for k, v in sorted(inflow[batch_id].items())},
            "on_hand": [{"account": labels[a], "kg": kg_text(g)} for a, g in held.items()],
            "out_kg": {k: kg_text(v) for k, v in sorted(outflow[batch_id].items())},
            "reconciles": sum(inflow[batch_id].values()) == sum(held.values()) + sum(outflow[batch_id].values()),
        }
    return summary


def transformations(result: Trace) -> dict[str, list[TracedEntry]]:
    """The traced entries of each transformation, in the order the transformations were recorded."""
    groups: dict[str, list[TracedEntry]] = defaultdict(list)
    for entry in result.entries:
        if entry.transformation_id:
            groups[entry.transformation_id].append(entry)
    return groups


def lineage(result: Trace) -> list[dict[str, Any]]:
    """The transformations among the traced entries, inputs and outputs with their quantities."""
    return [{
        "transformation_id": tid, "kind": rows[0].kind, "occurred_at": rows[0].occurred_at,
        **{f"{role.value}s": [{"batch": result.batches[r.batch_id].code, "kg": kg_text(r.grams)}
                              for r in rows if r.lineage_role == role and r.batch_id in result.batches]
           for role in LineageRole},
    } for tid, rows in transformations(result).items()]


def documents(result: Trace) -> list[str]:
    refs: Iterable[str | None] = [e.document_ref for e in result.entries] + [
        a.reference for a in result.accounts.values() if a.kind is AccountKind.TRANSIT]
    return sorted({r for r in refs if r})


def as_json(result: Trace) -> dict[str, Any]:
    labels = {account_id: account_label(account) for account_id, account in result.accounts.items()}
    summary = reconcile(result, labels)
    codes = {batch_id: batch.code for batch_id, batch in result.batches.items()}
    return {
        "batch": result.root.code,
        "direction": result.direction,
        "batches": [{
            "code": b.code, "relation": result.relation[b.key],
            "chemical": {"id": b.chemical_id, "un_number": b.un_number, "name": b.chemical_name},
            "producer": {"id": b.producer_id, "name": b.producer_name},
            "produced_at": b.produced_at, "quantity_kg": kg_text(b.grams), **summary[b.key],
            "waste": result.waste.get(b.key),
            # UTC ISO texts of one format sort as their times do ('+' sorts before the '.' of a fraction).
        } for b in sorted(result.batches.values(), key=lambda b: (b.produced_at, b.code))],
        "lineage": lineage(result),
        "entries": [{
            "sequence": e.sequence, "id": e.id, "kind": e.kind, "batch": codes[e.batch_id], "kg": kg_text(e.grams),
            "from": labels[e.from_account_id], "to": labels[e.to_account_id], "occurred_at": e.occurred_at,
            "document_ref": e.document_ref, "reverses": e.reverses_id, "hash": e.hash,
        } for e in result.entries],
        "documents": documents(result),
    }
