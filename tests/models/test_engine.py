"""The SQLite engine's connection settings: enforced foreign keys, write-ahead log, no fsync per commit; and
its transactions: those expecting writes take the write lock when they begin."""
from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import text

from models.engine import expecting_writes, make_engine


def _pragmas(url: str) -> dict[str, object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")}
    finally:
        engine.dispose()


def test_a_database_file_runs_in_wal_mode_with_normal_sync(tmp_path: Path):
    assert _pragmas(f"sqlite:///{tmp_path / 'h.db'}") == {
        "foreign_keys": 1, "journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000}


def test_an_in_memory_database_keeps_its_own_journal(tmp_path: Path):
    pragmas = _pragmas("sqlite://")
    assert pragmas["journal_mode"] == "memory" and pragmas["foreign_keys"] == 1


def _second_writer_waits(url: str, first_expects_writes: bool) -> bool:
    """Whether another connection, trying for the write lock without waiting, finds it taken while the first
    connection has begun a transaction (by reading)."""
    engine = make_engine(url)
    other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        with engine.connect() as conn:
            with expecting_writes() if first_expects_writes else nullcontext():
                conn.execute(text("SELECT 1"))
            try:
                other.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                assert "locked" in str(error)
                return True
            other.execute("ROLLBACK")
            return False
    finally:
        other.close()
        engine.dispose()


def test_a_transaction_expecting_writes_takes_the_write_lock_when_it_begins(tmp_path: Path):
    """Begun IMMEDIATE, a transaction that will write cannot be overtaken by another writer between its reads
    and its writes (which would fail it); a reading one leaves the lock free."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert _second_writer_waits(url, first_expects_writes=True)
    assert not _second_writer_waits(url, first_expects_writes=False)
