"""UTC timestamps and exact Decimal quantities on both backends."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from models.types import Quantity, TZDateTime


@pytest.fixture
def probe(connection):
    table = Table("type_probe", MetaData(), Column("at", TZDateTime), Column("qty", Quantity))
    table.create(connection)
    return table


def test_timestamps_come_back_aware_utc(connection, probe):
    shanghai = dt.timezone(dt.timedelta(hours=8))
    connection.execute(insert(probe).values(at=dt.datetime(2026, 1, 1, 8, 0, tzinfo=shanghai)))
    stored = connection.scalar(select(probe.c.at))
    assert stored == dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.timezone.utc)
    assert stored.utcoffset() == dt.timedelta(0)


def test_naive_timestamps_are_refused(connection, probe):
    with pytest.raises(StatementError, match="naive datetime"):
        connection.execute(insert(probe).values(at=dt.datetime(2026, 1, 1)))


def test_quantities_are_exact_decimals(connection, probe):
    values = [Decimal("0.1"), Decimal("0.2"), Decimal("123456789.987")]
    connection.execute(insert(probe), [{"qty": v} for v in values])
    assert sorted(connection.scalars(select(probe.c.qty))) == sorted(values)
    from sqlalchemy import func

    assert connection.scalar(select(func.sum(probe.c.qty))) == Decimal("123456790.287")


def test_sub_gram_quantities_are_refused(connection, probe):
    with pytest.raises(StatementError, match="finer than a gram"):
        connection.execute(insert(probe).values(qty=Decimal("0.0001")))
