"""Under concurrent requests no balance goes negative and the chain stays linear (real commits, threads).

PostgreSQL serialises postings on the chain lock: every loser is refused for its balance, never for the lock.
SQLite refuses a concurrent second writer outright (LedgerBusy); the invariants hold there too.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.services.ledger import lifecycle
from app.services.ledger.posting import LedgerBusy
from app.services.ledger.verification import verify_chain
from models import EntryKind
from models.engine import make_engine
from models.types import utcnow
from tests.app.ledger.conftest import World, build_world, produce


@pytest.fixture
def committed(fresh_database_url: str) -> Iterator[tuple[Callable[[], Session], World, bool]]:
    engine = make_engine(fresh_database_url, pool_size=10)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
        produce(session, world, "B-1", "100")
    yield (lambda: Session(engine, expire_on_commit=False)), world, engine.dialect.name == "postgresql"
    engine.dispose()


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def runner(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # collected and asserted on by the test
            results[i] = error

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def spender(new_session: Callable[[], Session], world: World, kg: str) -> Callable[[int], object]:
    def spend(_: int) -> object:
        with new_session() as session:
            return lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                                    site_id=world.plant.id, quantity=Decimal(kg), occurred_at=utcnow())

    return spend


def test_two_spends_of_the_last_100_kg_exactly_one_succeeds(committed):
    new_session, world, postgres = committed
    results = run_together(2, spender(new_session, world, "100"))
    assert sum(isinstance(r, list) for r in results) == 1, results
    refused = (Conflict,) if postgres else (Conflict, LedgerBusy)
    assert sum(isinstance(r, refused) for r in results) == 1, results


def test_chain_stays_linear_under_concurrent_appends(committed):
    new_session, world, postgres = committed
    results = run_together(8, spender(new_session, world, "1"))
    succeeded = sum(isinstance(r, list) for r in results)
    if postgres:
        assert succeeded == 8, results
    assert all(isinstance(r, (list, LedgerBusy)) for r in results), results
    with new_session() as session:
        verification = verify_chain(session)
    assert verification.ok and verification.entries_checked == 1 + succeeded
