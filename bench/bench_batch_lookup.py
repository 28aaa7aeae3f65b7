"""Which lot a posting's batch code names: ``batch_by_code`` with many producers' lots sharing one code.

A distributor holds lots of ``--lots`` producers with the code ``SHARED`` (each sold it some); as many other
producers use the code too, lots it never held. The lookup is one statement whatever the number of lots (it asked
once per lot whether the distributor held it: 1 + 2 x ``--lots`` statements here). Printed: the statements one
lookup runs, and the best and median time of a lookup naming the producer (by id, by USCC) and of one naming none
(409 ``ambiguous_batch``), over ``--repeat`` lookups, on SQLite.

Usage: ``python bench/bench_batch_lookup.py [--lots N] [--repeat N]`` (default 100 lots: well under a minute).
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.errors import Conflict  # noqa: E402
from app.services.ledger import lifecycle, transfers  # noqa: E402
from app.services.ledger.accounts import batch_by_code  # noqa: E402
from app.services.ledger.posting import Actor  # noqa: E402
from models import EntryKind, PermitKind, Role  # noqa: E402
from models.engine import make_engine  # noqa: E402
from models.types import utcnow  # noqa: E402
from tests.app.ledger.conftest import build_world, grant_permits  # noqa: E402
from tests.factories import make_enterprise, make_site, make_user  # noqa: E402

CODE = "SHARED"


def populate(session: Session, lots: int) -> tuple:
    """The world, and the producers whose lots the buyer holds."""
    world = build_world(session)
    start = utcnow() - dt.timedelta(hours=2)
    held = []
    for n in range(2 * lots):
        firm = make_enterprise(session)
        grant_permits(session, firm, PermitKind.SAFETY_PRODUCTION)
        user, _ = make_user(session, Role.ENTERPRISE, enterprise=firm)
        site = make_site(session, firm)
        actor = Actor(user.id, firm.id)
        lifecycle.introduce(session, actor, kind=EntryKind.PRODUCE, code=CODE, chemical_id=world.chemical.id,
                            site_id=site.id, quantity=Decimal("10"), occurred_at=start)
        if n < lots:
            offer = transfers.offer(session, actor, batch_code=CODE, from_site_id=site.id,
                                    to_site_id=world.buyer_site.id, quantity=Decimal("1"), occurred_at=start)
            transfers.accept(session, world.buyer_user, offer.id, start)
            held.append(firm)
    session.commit()
    return world, held


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        try:
            run()
        except Conflict:
            pass
        times.append(time.perf_counter() - began)
    return min(times) * 1000, statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            world, held = populate(session, args.lots)
            buyer, firm = world.buyer.id, held[-1]
            statements: list[str] = []

            def listener(conn: object, cursor: object, statement: str, *args: object) -> None:
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", listener)
            timed(lambda: batch_by_code(session, CODE, buyer), 1)
            event.remove(engine, "before_cursor_execute", listener)
            print(f"{args.lots} lots of '{CODE}' held by the buyer, {args.lots} more it never held; "
                  f"statements per lookup: {len(statements)}")
            for name, run in (("named by id", lambda: batch_by_code(session, CODE, buyer, producer=firm.id)),
                              ("named by USCC", lambda: batch_by_code(session, CODE, buyer, producer=firm.uscc)),
                              ("not named (409)", lambda: batch_by_code(session, CODE, buyer))):
                best, median = timed(run, args.repeat)
                print(f"  {name:16s} best {best:.2f} ms, median {median:.2f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
