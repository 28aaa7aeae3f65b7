"""A trip whose waybill holds a pass is re-checked as it was checked live: without the no-entry zones its pass
opens, with every other zone (the archive records the pass and the zones it opens)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.history import layout
from app.history.cluster import ClusterSpec, history_check
from app.history.export import export_month
from app.history.recheck import read_trips
from app.services.corridors import register_zone
from models import GpsFix
from tests.app.monitoring.conftest import B, alerts_of, box, post_fixes
from tests.app.monitoring.test_pass_zones_live import ACROSS, _departed
from tests.app.waybills.conftest import Trip, build_trip

OPENED, ORDINARY = "老城区限行区", "北侧禁入区"


@pytest.fixture
def trip(session: Session) -> Trip:
    return build_trip(session)


def test_a_pass_holders_trip_is_re_checked_with_the_live_result(client, session, trip, tmp_path):
    register_zone(session, {"name": OPENED, "rule": "no_entry", "geometry": ACROSS, "requires_pass": True})
    register_zone(session, {"name": ORDINARY, "rule": "no_entry", "geometry": box(121.44, 31.203, 121.45, 31.206)})
    road = _departed(client, session, trip, grant=True)
    post_fixes(client, road, road.drive().go(*B).take())  # through the zone the pass opens
    car = road.drive()
    car.t += dt.timedelta(minutes=30)
    post_fixes(client, road, car.go(121.442, 31.20).go(121.442, 31.204).go(121.448, 31.204, kph=10)
               .go(121.448, 31.20).go(*B).take())  # and into the ordinary one
    live = [a["details"]["zone"] for a in alerts_of(client, road, kind="forbidden_zone")]
    assert live == [ORDINARY]

    first, last = session.execute(select(func.min(GpsFix.at), func.max(GpsFix.at))).one()
    archive = tmp_path / "archive"
    for month in sorted({layout.month_of(first), layout.month_of(last)}):
        export_month(session, archive, month)
    trips = pq.read_table(archive / layout.month_of(first) / layout.TRIPS).to_pylist()
    assert [(t["waybill_id"], t["holds_pass"], t["pass_zones"]) for t in trips] == [(road.id, True, [OPENED])]

    for current in (False, True):  # the archived corridor and zones, and those in the database now
        episodes, checked, _ = history_check(session, archive, first.date(), last.date(), corridors=None,
                                             current=current, spec=ClusterSpec(workers=1, in_process=True),
                                             progress=False)
        zones = episodes.loc[episodes["kind"] == "forbidden_zone", "zone"].tolist()
        assert zones == live, f"current={current}"
        assert checked[["forbidden_zone_episodes", "forbidden_zone_live"]].to_dict("records") == [
            {"forbidden_zone_episodes": 1, "forbidden_zone_live": 1}]


def test_an_archive_without_the_pass_columns_reads_as_no_pass(tmp_path):
    """Archives exported before the pass was recorded still re-check (as trips without a pass)."""
    month = tmp_path / "2026-01"
    month.mkdir()
    old = layout.TRIP_SCHEMA.remove(layout.TRIP_SCHEMA.get_field_index("pass_zones"))
    old = old.remove(old.get_field_index("holds_pass"))
    row = {"waybill_id": "w1", "terminal_id": "t1", "bucket": 1, "first_at": pd.Timestamp("2026-01-02", tz="UTC"),
           "last_at": pd.Timestamp("2026-01-02 01:00", tz="UTC"), "fixes": 10, "corridor_id": None,
           "hazard_classes": []}
    pq.write_table(pa.Table.from_pylist([row], schema=old), month / layout.TRIPS)
    (month / layout.MANIFEST).write_text(f'{{"format": "{layout.FORMAT}", "files": []}}', encoding="utf-8")
    trips, _ = read_trips(tmp_path, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert trips[["holds_pass"]].to_dict("records") == [{"holds_pass": False}]
    assert list(trips["pass_zones"].iloc[0]) == []
