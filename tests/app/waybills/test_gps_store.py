"""Bulk storage of fixes: only new ones come back, in time order; on PostgreSQL, months are partitions."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import migrate
from app.services.gps_store import FIX_COLUMNS, store_fixes
from models import GpsFix
from models.engine import make_engine
from models.types import utcnow
from tests.app.waybills.conftest import build_trip, waybill_in_transit


def _ns(*times: dt.datetime) -> np.ndarray:
    return np.array([pd.Timestamp(t).value for t in times], dtype=np.int64)


@pytest.fixture
def store(session, trip):
    """Store fixes at the given times for a waybill in transit (positions along a short line)."""
    waybill = waybill_in_transit(session, trip)

    def _store(times: list[dt.datetime], speed: np.ndarray | None = None) -> pd.DataFrame:
        n = len(times)
        return store_fixes(session, waybill_id=waybill.id, terminal_id=trip.tanker.gps_terminal_id,
                           time_ns=_ns(*times), lon=np.linspace(121.45, 121.46, n),
                           lat=np.linspace(31.20, 31.21, n), speed_kph=speed)

    return _store


def _partitions_holding(session) -> dict[str, int]:
    rows = session.execute(text("SELECT tableoid::regclass::text, count(*) FROM gps_fixes GROUP BY 1"))
    return dict(rows.all())


def test_only_the_fixes_not_stored_before_come_back_in_time_order(session, store):
    start = utcnow().replace(microsecond=0) - dt.timedelta(minutes=10)
    times = [start + dt.timedelta(seconds=10 * n) for n in range(6)]
    first = store(times[:4], speed=np.array([30.0, np.nan, 32.5, 40.0]))
    assert list(first.columns) == list(FIX_COLUMNS)
    assert first["at"].tolist() == times[:4]
    assert first["speed_kph"].isna().tolist() == [False, True, False, False]
    again = store(times[2:])
    assert again["at"].tolist() == times[4:]
    assert again["lon"].is_monotonic_increasing and again["speed_kph"].isna().all()
    stored = session.execute(text("SELECT count(*), count(speed_kph) FROM gps_fixes")).one()
    assert tuple(stored) == (6, 3)


def test_an_empty_batch_stores_nothing(session, store):
    assert store([]).empty


@pytest.fixture
def postgresql_only(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("partitions are a PostgreSQL feature; SQLite keeps one plain table")


def test_the_table_is_partitioned_by_month_of_time(session, postgresql_only):
    strategy, key = session.execute(text(
        "SELECT partstrat, pg_get_partkeydef('gps_fixes'::regclass) FROM pg_partitioned_table "
        "WHERE partrelid = 'gps_fixes'::regclass")).one()
    assert (strategy, key) == ("r", "RANGE (at)")
    this_month = utcnow().strftime("gps_fixes_%Y_%m")
    partitions = set(session.scalars(text("SELECT inhrelid::regclass::text FROM pg_inherits "
                                          "WHERE inhparent = 'gps_fixes'::regclass")))
    assert {this_month, "gps_fixes_default"} <= partitions
    indexes = set(session.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"), {"t": this_month}))
    assert any("(terminal_id, at)" in i and "UNIQUE" in i for i in indexes)
    assert any("(waybill_id, at)" in i for i in indexes) and any("USING brin (at)" in i for i in indexes)


def test_fixes_of_two_months_land_in_two_partitions(session, postgresql_only, store):
    now = utcnow().replace(microsecond=0)
    last_month = now.replace(day=1, hour=0, minute=0, second=0) - dt.timedelta(hours=12)  # noon, the month's last day
    assert len(store([last_month, now - dt.timedelta(minutes=1)])) == 2
    assert _partitions_holding(session) == {last_month.strftime("gps_fixes_%Y_%m"): 1,
                                            now.strftime("gps_fixes_%Y_%m"): 1}


def test_an_old_month_waits_in_the_default_partition_until_it_gets_its_own(session, postgresql_only, store):
    old = [dt.datetime(2025, 3, 10, 8, tzinfo=dt.timezone.utc), dt.datetime(2025, 3, 10, 8, 1, tzinfo=dt.timezone.utc)]
    assert len(store(old)) == 2
    assert _partitions_holding(session) == {"gps_fixes_default": 2}
    assert session.scalar(text("SELECT gps_fixes_partition('2025-03-31 23:00+00')")) == "gps_fixes_2025_03"
    assert _partitions_holding(session) == {"gps_fixes_2025_03": 2}
    assert store(old).empty  # still one key across the partitions


def test_stored_fixes_survive_the_migration_down_and_up_again(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        trip = build_trip(session)
        waybill = waybill_in_transit(session, trip)
        times = [utcnow().replace(microsecond=0) - dt.timedelta(seconds=s) for s in (30, 20, 10)]
        store_fixes(session, waybill_id=waybill.id, terminal_id=trip.tanker.gps_terminal_id, time_ns=_ns(*times),
                    lon=np.full(3, 121.45), lat=np.full(3, 31.2), speed_kph=None)
        session.commit()
    cfg = migrate.alembic_config(fresh_database_url)
    command.downgrade(cfg, "0013")
    with engine.connect() as connection:
        assert connection.scalars(select(GpsFix.at).order_by(GpsFix.at)).all() == times
    command.upgrade(cfg, "head")
    with engine.connect() as connection:
        assert connection.scalars(select(GpsFix.at).order_by(GpsFix.at)).all() == times
    engine.dispose()


def test_a_live_month_without_its_partition_gets_one_and_next_month_is_made_ahead(fresh_database_url):
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("partitions are a PostgreSQL feature")
    now = utcnow().replace(microsecond=0)
    this_month = now.strftime("gps_fixes_%Y_%m")
    next_month = (now.replace(day=28) + dt.timedelta(days=5)).strftime("gps_fixes_%Y_%m")
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        session.execute(text(f"DROP TABLE {this_month}, {next_month}"))
        trip = build_trip(session)
        waybill = waybill_in_transit(session, trip)
        session.commit()
        store_fixes(session, waybill_id=waybill.id, terminal_id=trip.tanker.gps_terminal_id,
                    time_ns=_ns(now - dt.timedelta(seconds=10)), lon=np.full(1, 121.45), lat=np.full(1, 31.2),
                    speed_kph=None)
        session.commit()
        assert _partitions_holding(session) == {this_month: 1}
        assert session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"),
                              {"name": next_month})
    engine.dispose()
