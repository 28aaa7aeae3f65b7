"""Ledger speed: appends through the service layer, trace of a 10,000-entry tree in a big ledger, verify.

Targets (issue 4): appends >= 2,000 entries/s; trace of a batch whose downstream tree has 10,000 entries in
< 200 ms with a ledger of 1,000,000 entries; verify >= 200,000 entries/s. On SQLite and, when the PostgreSQL
binaries are installed, on a throw-away PostgreSQL server (the test harness's).

Steps, on each backend:

1. fill the ledger with ``--entries`` entries of background history (batches produced and consumed over
   the last 60 days), generated fast: rows built in Python with their hash chain and bulk inserted;
2. ``--postings`` consumptions through the service layer, as plain data like the HTTP API takes, in batches
   of ``--batch-size`` (``post_movements``: one transaction each), and a few single postings (one
   transaction each, for comparison);
3. a downstream tree of 10,102 entries through the same service (a batch split into 50, each split into 20,
   each of those moved, sold, consumed, lost and disposed of), then ``trace`` of its root as JSON
   (best and median of 5, each on a fresh session, the process's objects frozen as ``hazledger serve`` does);
4. ``verify_ledger`` over the whole ledger, its ranges read by the default number of threads (best of 2);
   then again once a signed checkpoint covers the whole ledger (its Merkle root is recomputed too).

Usage: ``python bench/bench_ledger.py [--entries N] [--postings N] [--batch-size N] [--only sqlite|postgresql]``.
The default is 200,000 entries (about a minute per backend); ``--entries 1000000`` is the issue's size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.services.ledger import lifecycle  # noqa: E402
from app.services.ledger.accounts import boundary_account, site_account  # noqa: E402
from app.services.ledger.chain import batch_identity, chain_head, entry_hash  # noqa: E402
from app.services.ledger.checkpoints import create_checkpoint, load_signing_key, verify_ledger  # noqa: E402
from app.services.ledger.movements import post_movements  # noqa: E402
from app.services.ledger.posting import ledger_transaction  # noqa: E402
from app.services.ledger.trace import as_json, trace  # noqa: E402
from app.services.ledger.verification import WORKERS  # noqa: E402
from models import Batch, Boundary, EntryKind, LedgerEntry  # noqa: E402
from models.engine import make_engine  # noqa: E402
from models.types import utcnow  # noqa: E402
from tests.app.ledger.conftest import World, build_world  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402

#: Background history: each batch is produced, then consumed in this many entries.
ENTRIES_PER_BATCH = 20
INSERT_ROWS = 10_000


def fill(session: Session, world: World, count: int) -> None:
    """*count* entries of valid, hash-chained history over the last 60 days, bulk inserted."""
    with ledger_transaction(session):
        plant = site_account(session, world.plant.id)
        produced = boundary_account(session, world.producer.id, Boundary.PRODUCED)
        consumed = boundary_account(session, world.producer.id, Boundary.CONSUMED)
    head = chain_head(session)
    start, step = utcnow() - dt.timedelta(days=60), dt.timedelta(days=59) / max(count, 1)
    actor, enterprise = world.producer_user.id, world.producer.id
    batches: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    batch_id = None
    for n in range(count):
        at = start + step * n
        if n % ENTRIES_PER_BATCH == 0:
            batch_id = uuid.uuid4()
            batches.append({"id": batch_id, "code": f"HIST-{n // ENTRIES_PER_BATCH:07d}",
                            "chemical_id": world.chemical.id, "producer_id": enterprise, "produced_at": at,
                            "quantity": Decimal(ENTRIES_PER_BATCH * 100), "created_at": at})
            kind, source, target, kg = EntryKind.PRODUCE, produced.id, plant.id, Decimal(ENTRIES_PER_BATCH * 100)
            identity = batch_identity(batches[-1])
        else:
            kind, source, target, kg, identity = EntryKind.CONSUME, plant.id, consumed.id, Decimal(100), None
        row = {"id": uuid.uuid4(), "sequence": head.sequence + 1, "kind": kind, "batch_id": batch_id,
               "quantity": kg, "from_account_id": source, "to_account_id": target, "occurred_at": at,
               "recorded_at": at, "actor_id": actor, "enterprise_id": enterprise,
               "document_ref": f"HIST-{n}" if n % 7 == 0 else None, "reverses_id": None, "transformation_id": None,
               "lineage_role": None, "previous_hash": head.hash, "batch_identity": identity}
        row["hash"] = entry_hash(row)
        head = type(head)(row["sequence"], row["hash"])
        entries.append(row)
        if len(entries) == INSERT_ROWS or n == count - 1:
            connection = session.connection()
            if batches:
                connection.execute(insert(Batch.__table__), batches)
            connection.execute(insert(LedgerEntry.__table__), entries)
            session.commit()
            batches, entries = [], []


def consumption(world: World, code: str) -> dict[str, Any]:
    return {"kind": "consume", "batch": code, "site_id": world.plant.id, "quantity": Decimal("0.5"),
            "occurred_at": utcnow()}


def bench_postings(session: Session, world: World, postings: int, batch_size: int) -> tuple[float, float]:
    """(entries/s in batches of *batch_size*, entries/s one transaction each)."""
    codes = [f"BENCH-{n}" for n in range(100)]
    post_movements(session, world.as_producer, [
        {"kind": "produce", "code": code, "chemical_id": world.chemical.id, "site_id": world.plant.id,
         "quantity": Decimal(postings), "occurred_at": utcnow()} for code in codes])
    started, posted = time.perf_counter(), 0
    while posted < postings:
        size = min(batch_size, postings - posted)
        posted += len(post_movements(session, world.as_producer,
                                     [consumption(world, codes[(posted + n) % len(codes)]) for n in range(size)]))
    batched = posted / (time.perf_counter() - started)
    singles = 200
    started = time.perf_counter()
    for n in range(singles):
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code=codes[n % len(codes)],
                         site_id=world.plant.id, quantity=Decimal("0.5"), occurred_at=utcnow())
    return batched, singles / (time.perf_counter() - started)


def build_tree(session: Session, world: World, batch_size: int) -> tuple[str, int]:
    """A root batch whose downstream tree has 10,102 entries, posted through the service layer."""
    site, warehouse = world.plant.id, world.warehouse.id
    kg = Decimal

    def split(code: str, parts: int, each: int) -> dict[str, Any]:
        return {"kind": "split", "site_id": site, "inputs": [{"batch": code, "quantity": kg(parts * each)}],
                "outputs": [{"code": f"{code}.{n}", "quantity": kg(each)} for n in range(parts)],
                "occurred_at": utcnow()}

    def moved(code: str) -> list[dict[str, Any]]:
        def item(kind: str, at: uuid.UUID, quantity: int, **fields: Any) -> dict[str, Any]:
            return {"kind": kind, "batch": code, "quantity": kg(quantity), "occurred_at": utcnow(), **fields,
                    **({"site_id": at} if kind != "transfer" else {})}
        return [item("transfer", site, 600, from_site_id=site, to_site_id=warehouse),
                *[item("consume", warehouse, 50) for _ in range(4)],
                # Back to the plant: a sale to another firm would wait for its acceptance (not a posting).
                item("transfer", warehouse, 300, from_site_id=warehouse, to_site_id=site, document_ref=f"INV-{code}"),
                item("loss", warehouse, 10), item("dispose", site, 20), item("consume", site, 30)]

    root = "TREE"
    items: list[dict[str, Any]] = [
        {"kind": "produce", "code": root, "chemical_id": world.chemical.id, "site_id": site,
         "quantity": kg(1_000_000), "occurred_at": utcnow()}, split(root, 50, 20_000)]
    items += [split(f"{root}.{n}", 20, 1_000) for n in range(50)]
    items += [item for n in range(50) for m in range(20) for item in moved(f"{root}.{n}.{m}")]
    for first in range(0, len(items), batch_size):
        post_movements(session, world.as_producer, items[first:first + batch_size])
    root_id = session.scalar(select(Batch.id).where(Batch.code == root))
    return root, root_id


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench(url: str, entries: int, postings: int, batch_size: int) -> dict[str, Any]:
    migrate.upgrade(url)
    engine = make_engine(url)
    figures: dict[str, Any] = {}
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
        started = time.perf_counter()
        fill(session, world, max(entries - postings - 10_500, 0))
        figures["fill_s"] = time.perf_counter() - started
        figures["batched"], figures["single"] = bench_postings(session, world, postings, batch_size)
        started = time.perf_counter()
        root, _ = build_tree(session, world, batch_size)
        figures["tree_s"] = time.perf_counter() - started
        figures["entries"] = session.scalar(select(func.count()).select_from(LedgerEntry))

    def traced() -> None:
        with Session(engine) as fresh:
            figures["document"] = as_json(trace(fresh, root, "both"))

    # As ``hazledger serve`` does once started: what lives as long as the process is frozen out of the
    # collector's way, so a timing is the work's own, not that of a full collection of this process's heap.
    gc.collect()
    gc.freeze()

    figures["trace_ms"] = timed(5, traced)
    figures["tree_entries"] = len(figures.pop("document")["entries"])
    # Best of two: the first full read of freshly written rows also pays for PostgreSQL's hint bits.
    figures["verify"] = max(verified(engine), verified(engine))
    with Session(engine) as session, tempfile.TemporaryDirectory() as keys:
        create_checkpoint(session, load_signing_key(Path(keys) / "signing_key"))
    figures["verify_signed"] = verified(engine)
    engine.dispose()
    gc.unfreeze()
    return figures


def verified(engine: Engine) -> float:
    """Entries/s of one ``verify_ledger`` (which must find the ledger intact)."""
    with Session(engine) as session:
        started = time.perf_counter()
        result = verify_ledger(session)
        assert result.ok, result
        return result.entries_checked / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=200_000, help="size of the ledger (default 200,000)")
    parser.add_argument("--postings", type=int, default=10_000, help="postings timed through the service layer")
    parser.add_argument("--batch-size", type=int, default=1000, help="postings per transaction (max 1,000)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        server = None
        bindir = find_bindir()
        if bindir is not None:
            server = PostgresServer(bindir)
            server.start()
            targets.append(("postgresql", server.url()))
        try:
            for name, url in targets:
                if args.only not in (None, name):
                    continue
                f = bench(url, args.entries, args.postings, args.batch_size)
                best, median = min(f["trace_ms"]), statistics.median(f["trace_ms"])
                print(f"{name:<10} ledger {f['entries']:>9,} entries (history generated in {f['fill_s']:.0f} s)\n"
                      f"{'':<10} appends   {f['batched']:>9,.0f} entries/s in batches of {args.batch_size}"
                      f" ({args.postings:,} postings); {f['single']:,.0f}/s one transaction each\n"
                      f"{'':<10} trace     {best:>9,.0f} ms best, {median:,.0f} ms median"
                      f" ({f['tree_entries']:,} entries in the tree, posted in {f['tree_s']:.1f} s)\n"
                      f"{'':<10} verify    {f['verify']:>9,.0f} entries/s ({WORKERS} threads);"
                      f" {f['verify_signed']:,.0f}/s with a signed checkpoint over them all", flush=True)
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
