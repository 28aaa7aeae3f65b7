from __future__ import annotations

import pytest

from app.services.dangerous_goods.entries import TableA, read_table_a
from tests.paths import SHARED_DATA

TABLE_A_CSV = SHARED_DATA / "dangerous_goods" / "adr2017_table_a.csv"


@pytest.fixture(scope="session")
def table_a() -> TableA:
    """ADR 2017 Table A as shipped in ../shared/data (the facts the cases are taken from)."""
    if not TABLE_A_CSV.is_file():
        pytest.skip(f"ADR 2017 Table A not found at {TABLE_A_CSV}")
    return read_table_a(TABLE_A_CSV.read_text(encoding="utf-8"))
