"""A bucket's days checked in one task find what one task per day finds, trips past midnight included; the
archive's columns read without pandas give the track reader's tracks."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from app.config import PROJECT_ROOT
from app.history import layout
from app.history.export import fix_table
from app.history.recheck import _fix_columns, corridor_key, plan_tasks, read_trips, run_task
from routing.checks import CheckParameters
from routing.tracks import tracks_from_columns, tracks_from_frame

DEMO_CORRIDOR = PROJECT_ROOT / "geodata" / "demo_corridor_shanghai.geojson"
DEMO_TRACK = PROJECT_ROOT / "geodata" / "demo_track_detour.csv"
CORRIDOR_ID = "00000000-0000-4000-8000-000000000001"
MONTH = "2026-03"


def _terminals(count: int) -> list[str]:
    """Terminal numbers, most of them in one bucket (so a bucket has trips on several days)."""
    numbers = [f"0139{n:08d}" for n in range(400)]
    buckets = layout.buckets_of(np.array(numbers))
    shared = [t for t, b in zip(numbers, buckets) if b == buckets[0]]
    others = [t for t, b in zip(numbers, buckets) if b != buckets[0]]
    return (shared[: count - count // 3] + others)[:count]


def _write_archive(root) -> int:
    """The demo's detour driven by 12 vehicles over 3 days (four of them starting at 23:52, so their trip
    crosses midnight), in ``history export``'s layout; the trips' count."""
    track = pd.read_csv(DEMO_TRACK)
    offset = pd.to_datetime(track["time"], utc=True) - pd.Timestamp(track["time"].iloc[0])
    frames = []
    for n, terminal in enumerate(_terminals(12)):
        start = pd.Timestamp(dt.datetime(2026, 3, 1 + n % 3, 23 if n % 3 == 1 else 6 + n, 52 if n % 3 == 1 else 0),
                             tz="UTC")
        noise = np.random.default_rng(n).normal(0.0, 2e-5, (len(track), 2))
        frames.append(pd.DataFrame({
            "terminal_id": terminal, "at": start + offset, "lon": track["lon"] + noise[:, 0],
            "lat": track["lat"] + noise[:, 1], "speed_kph": np.nan, "waybill_id": f"w{n:02d}",
            "waybill_number": f"W{n}", "waybill_version": 1, "corridor_id": CORRIDOR_ID}))
    fixes = pd.concat(frames, ignore_index=True)
    fixes["received_at"] = fixes["at"]
    fixes["hazard_classes"] = [["3"]] * len(fixes)
    fixes["bucket"] = layout.buckets_of(fixes["terminal_id"].to_numpy())
    folder = root / MONTH
    (folder / "corridors").mkdir(parents=True)
    corridor = DEMO_CORRIDOR.read_text(encoding="utf-8")
    (folder / "corridors" / f"{CORRIDOR_ID}.geojson").write_text(corridor, encoding="utf-8")
    files = []
    for (day, bucket), part in fixes.groupby([fixes["at"].dt.date, "bucket"]):
        path = layout.part_path(day, int(bucket))
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(fix_table(part.sort_values(["terminal_id", "at"])), folder / path)
        files.append({"path": path, "day": day.isoformat(), "bucket": int(bucket), "rows": len(part)})
    trips = fixes.groupby(["waybill_id", "terminal_id", "bucket"])["at"].agg(["min", "max", "size"]).reset_index()
    pq.write_table(pa.Table.from_pydict({
        "waybill_id": trips["waybill_id"].tolist(), "terminal_id": trips["terminal_id"].tolist(),
        "bucket": trips["bucket"].to_numpy(dtype=np.int32), "first_at": trips["min"], "last_at": trips["max"],
        "fixes": trips["size"], "corridor_id": [CORRIDOR_ID] * len(trips), "hazard_classes": [["3"]] * len(trips),
        "holds_pass": [False] * len(trips), "pass_zones": [[]] * len(trips)}, schema=layout.TRIP_SCHEMA),
        folder / layout.TRIPS)
    manifest = {"format": layout.FORMAT, "month": MONTH, "buckets": layout.BUCKETS, "files": files,
                "rows": len(fixes), "corridors": [{"id": CORRIDOR_ID}]}
    (folder / layout.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return len(trips)


def _run(tasks) -> tuple[pd.DataFrame, pd.DataFrame]:
    results = [run_task(task) for task in tasks]
    episodes = pd.concat([e for e, _ in results], ignore_index=True)
    trips = pd.concat([t for _, t in results], ignore_index=True)
    return (episodes.sort_values(["waybill_id", "first_index", "kind"]).reset_index(drop=True),
            trips.sort_values("waybill_id").reset_index(drop=True))


def test_one_task_per_bucket_finds_what_one_task_per_day_finds(tmp_path):
    count = _write_archive(tmp_path)
    document = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    key = corridor_key(document)
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 3)
    trips, manifests = read_trips(tmp_path, first, last)

    def plan(rows: pd.DataFrame, **options):
        return plan_tasks(rows, manifests, tmp_path, {key: document}, {w: key for w in rows["waybill_id"]},
                          CheckParameters(), **options)

    merged = plan(trips)
    start_day = trips.groupby("waybill_id")["first_at"].transform("min").dt.date
    per_day = [task for day in sorted(set(start_day)) for task in plan(trips[start_day == day])]
    cut_small = plan(trips, task_fixes=400)  # a bucket's trips split over tasks of at most two trips
    assert len(merged) < len(per_day) < len(cut_small)
    assert any(len({f.split("day=")[1][:10] for f in task.files}) == 3 for task in merged)  # a bucket's 3 days
    sizes = [sum(1 for _ in task.trips) for task in merged]
    assert sizes == sorted(sizes, reverse=True)  # the largest first (trips of equal length here)

    episodes, checked = _run(merged)
    crossing = trips.loc[trips["first_at"].dt.date != trips["last_at"].dt.date, "waybill_id"]
    assert len(crossing) == 4 and set(crossing) <= set(episodes["waybill_id"])  # checked whole, found
    assert len(checked) == count and checked["error"].isna().all()
    assert checked["fixes"].tolist() == [len(pd.read_csv(DEMO_TRACK))] * count
    for other in (per_day, cut_small):
        other_episodes, other_checked = _run(other)
        pd.testing.assert_frame_equal(episodes, other_episodes)
        pd.testing.assert_frame_equal(checked, other_checked)


def test_the_archives_columns_are_read_as_the_track_reader_reads_a_table():
    """Missing, NaN and out-of-range positions, missing times, times before 2000 and after tomorrow, repeated
    and unordered times, in microseconds and nanoseconds: the tracks are the reader's."""
    base = pd.Timestamp("2026-03-01T08:00:00Z")
    at = [base + pd.Timedelta(seconds=5 * n) for n in range(12)]
    at[3], at[5], at[6] = None, pd.Timestamp("1999-12-31T23:59:59.999999Z"), pd.Timestamp("2100-01-01T00:00Z")
    at[8] = at[7]  # a duplicate time
    at[10], at[11] = at[11], at[10]  # out of order
    lon = [121.47 + 0.0004 * n for n in range(12)]
    lat = [31.23] * 12
    lon[1], lat[2], lon[4] = None, float("nan"), 200.0
    speed = [30.0, None, 40.0, float("nan"), 20.0, 20.0, 20.0, 20.0, 20.0, 300.0, 20.0, 20.0]
    group = np.array([0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1], dtype=np.intp)
    for unit in ("us", "ns"):
        table = pa.table({"at": pa.array(at, pa.timestamp(unit, tz="UTC")), "lon": pa.array(lon, pa.float64()),
                          "lat": lat, "speed_kph": pa.array(speed, pa.float64())})
        frame = table.to_pandas().rename(columns={"at": "time", "speed_kph": "speed"})
        expected = tracks_from_frame(frame, group, 2, source="archive")
        found = tracks_from_columns(_fix_columns(table), group, 2, source="archive")
        for mine, theirs in zip(found, expected):
            for name in ("lon", "lat", "time_ns", "speed_kph"):
                np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name))
            assert (mine.points, mine.dropped) == (theirs.points, theirs.dropped)
        assert {d["reason"] for t in expected for d in t.dropped} >= {
            "missing coordinate", "unparseable time", "time out of range", "coordinate out of range",
            "speed out of range", "duplicate time"}
    # A time no nanosecond timestamp holds (pandas' reader cannot take it) is out of range, not an overflow.
    far = pa.table({"at": pa.array([at[0], dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc)], pa.timestamp("us")),
                    "lon": [121.47, 121.47], "lat": [31.23, 31.23], "speed_kph": [None, None]})
    assert _fix_columns(far).time_outside.tolist() == [False, True]
