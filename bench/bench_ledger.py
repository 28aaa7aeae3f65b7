"""Ledger throughput: postings per second through the service layer, and verify entries per second.

Runs on a throw-away SQLite database and, when the PostgreSQL binaries are installed, on a throw-away
PostgreSQL server (the test harness's). Usage: ``python bench/bench_ledger.py [--postings N]``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.services.ledger import lifecycle  # noqa: E402
from app.services.ledger.checkpoints import verify_ledger  # noqa: E402
from app.services.ledger.posting import Actor  # noqa: E402
from app.services.users import create_user  # noqa: E402
from models import Chemical, Enterprise, EntryKind, Role, Site, SiteKind  # noqa: E402
from models.engine import make_engine  # noqa: E402
from models.types import utcnow  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402


#: Postings spread over this many batches, ~20 entries each at the default size: a realistic history depth.
BATCHES = 100


def bench(url: str, postings: int) -> tuple[float, float]:
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        enterprise = Enterprise(name="基准化工", uscc="91320205MA1XY2KC0M", roles=["producer"])
        session.add(enterprise)
        session.flush()
        site = Site(enterprise_id=enterprise.id, name="厂区", kind=SiteKind.PLANT, lon=120.3, lat=31.6)
        chemical = Chemical(un_number="1230", name_zh="甲醇")
        session.add_all([site, chemical])
        session.commit()
        user = create_user(session, "bench", Role.ENTERPRISE, enterprise_id=enterprise.id)
        actor = Actor(user.id, enterprise.id)
        codes = [f"BENCH-{n}" for n in range(BATCHES)]
        for code in codes:
            lifecycle.introduce(session, actor, kind=EntryKind.PRODUCE, code=code, chemical_id=chemical.id,
                                site_id=site.id, quantity=Decimal(postings), occurred_at=utcnow())
        started = time.perf_counter()
        for n in range(postings):
            lifecycle.retire(session, actor, kind=EntryKind.CONSUME, batch_code=codes[n % BATCHES], site_id=site.id,
                             quantity=Decimal("0.5"), occurred_at=utcnow())
        posting_rate = postings / (time.perf_counter() - started)
        started = time.perf_counter()
        result = verify_ledger(session)
        verify_rate = result.entries_checked / (time.perf_counter() - started)
        assert result.ok
    engine.dispose()
    return posting_rate, verify_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=2000)
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
                posting_rate, verify_rate = bench(url, args.postings)
                print(f"{name:<10} postings/s {posting_rate:>9,.0f}   verify entries/s {verify_rate:>11,.0f}"
                      f"   ({args.postings} postings over {BATCHES} batches, one transaction each)")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
