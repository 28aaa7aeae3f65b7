"""The SQLite engine's connection settings: enforced foreign keys, write-ahead log, no fsync per commit."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from models.engine import make_engine


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
