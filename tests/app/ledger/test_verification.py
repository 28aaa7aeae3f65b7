"""Verification in ranges, on one connection or read in parallel: the same verdict as one sequential pass.

These tests commit for real (the parallel readers open their own connections) and tamper with the committed
rows after switching the append-only triggers off.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.services.ledger import lifecycle
from app.services.ledger.range_worker import confirmed_head
from app.services.ledger.verification import verify_chain
from models import EntryKind, LedgerEntry
from models.engine import make_engine
from models.ledger import GENESIS_HASH
from models.types import utcnow
from tests.app.ledger.conftest import build_world, produce
from tests.app.ledger.test_chain import _disable_triggers

#: Ten entries checked in ranges of three: 1-3, 4-6, 7-9, 10.
RANGE_ROWS = 3


@pytest.fixture
def chain(fresh_database_url: str) -> Iterator[tuple[Session, list[LedgerEntry]]]:
    engine = make_engine(fresh_database_url, pool_size=5)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
        produce(session, world, "B-1", "100")
        for _ in range(9):
            lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                             site_id=world.plant.id, quantity=Decimal("1"), occurred_at=utcnow())
        entries = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)))
        yield session, entries
    engine.dispose()


def tamper(session: Session, *statements: str) -> None:
    _disable_triggers(session)
    for statement in statements:
        session.execute(text(statement))
    session.commit()


def altered(sequence: int) -> str:
    return f"UPDATE ledger_entries SET quantity = quantity + 1 WHERE sequence = {sequence}"


@pytest.mark.parametrize("workers", [1, 3])
def test_an_intact_chain_verifies_in_ranges(chain, workers):
    session, entries = chain
    result = verify_chain(session, workers=workers, range_rows=RANGE_ROWS)
    assert result.ok and result.entries_checked == 10 and result.head_hash == entries[-1].hash


@pytest.mark.parametrize("statements, sequence, reason, last_good", [
    ([altered(5)], 5, "altered", 4),  # inside the second range
    ([altered(8), altered(5)], 5, "altered", 4),  # the first failure wins, whichever range finishes first
    ([altered(10)], 10, "altered", 9),  # the last, one-entry range
    (["DELETE FROM ledger_entries WHERE sequence = 4"], 5, "missing", 3),  # a range starting after a gap
    (["DELETE FROM ledger_entries WHERE sequence BETWEEN 4 AND 6"], 7, "missing", 3),  # a whole range gone
    ([f"UPDATE ledger_entries SET previous_hash = '{'0' * 64}' WHERE sequence = 7"], 7, "previous_hash", 6),
    (["UPDATE batches SET code = 'B-9'", altered(8)], 1, "batch was altered", 0),  # its identity is in entry 1
])
@pytest.mark.parametrize("workers", [1, 3])
def test_the_first_bad_entry_is_named_across_ranges(chain, workers, statements, sequence, reason, last_good):
    session, entries = chain
    tamper(session, *statements)
    result = verify_chain(session, workers=workers, range_rows=RANGE_ROWS)
    assert not result.ok and result.first_bad["sequence"] == sequence and reason in result.first_bad["reason"]
    assert result.first_bad["id"] == str(entries[sequence - 1].id)
    assert (result.head_sequence, result.head_hash) == (last_good, entries[last_good - 1].hash if last_good
                                                        else GENESIS_HASH)
    assert result == verify_chain(session, workers=1, range_rows=100)  # what one sequential pass says


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("change, confirmed", [
    ({}, True),
    ({0: "2,1"}, False),  # the database joined the entries in another order
    ({0: "1,3"}, False),  # an entry missing
    ({1: f"{GENESIS_HASH},{'0' * 64}"}, False),  # a broken link
    ({3: '{"a":1}\n{"b":3}'}, False),  # a form that does not hash to its hash
    ({4: _sha("batch")}, False),  # a batch form that does not hash to its identity
    ({5: None}, False),  # an identity without its batch's form
])
def test_joined_columns_are_confirmed_only_when_everything_holds(change, confirmed):
    forms = ['{"a":1}', '{"b":2}']
    columns = ["1,2", f"{GENESIS_HASH},{_sha(forms[0])}", ",".join(map(_sha, forms)), "\n".join(forms),
               _sha('{"batch":1}'), '{"batch":1}']
    for index, value in change.items():
        columns[index] = value
    head = confirmed_head(columns, 0, GENESIS_HASH, 2)
    assert head == (_sha(forms[1]) if confirmed else None)
