"""A demo database (its tanker's trip, stored through live ingestion) and the CLI run against it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import GpsFix
from models.engine import make_engine
from tests.app.test_cli import run  # noqa: F401  (the CLI against the test's fresh database)


@pytest.fixture
def demo_months(run, fresh_database_url) -> list[str]:  # noqa: F811 (the fixture, by name)
    """Load the demo; the UTC months its fixes fall in (taken from the data, never from the clock)."""
    assert run("demo", "load", "--format", "json").exit_code == 0
    engine = make_engine(fresh_database_url)
    with engine.connect() as connection:
        first, last = connection.execute(select(func.min(GpsFix.at), func.max(GpsFix.at))).one()
    engine.dispose()
    months = [f"{first.year:04d}-{first.month:02d}"]
    if (last.year, last.month) != (first.year, first.month):
        months.append(f"{last.year:04d}-{last.month:02d}")
    return months
