"""``history check``: the archive's trips re-checked on Dask with the function ``route check`` runs."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from app.config import PROJECT_ROOT
from app.history.cluster import LOCAL_WORKER_CONFIG, ClusterSpec, dask_client, run_tasks
from app.history.recheck import CheckTask, TripSpec, check_trips, corridor_key
from app.services.corridors import trip_geojson
from models import Alert, Corridor, GpsFix, Waybill, WaybillLine, WaybillVersion
from models.engine import make_engine
from routing.checks import check_track
from routing.corridors import load_corridor
from routing.tracks import read_track
from sqlalchemy.orm import Session

DEMO_CORRIDOR = PROJECT_ROOT / "geodata" / "demo_corridor_shanghai.geojson"
DEMO_TRACK = PROJECT_ROOT / "geodata" / "demo_track_detour.csv"
COMPARED = ["kind", "start", "end", "duration_s", "max_offset_m", "length_m", "first_index", "last_index"]


def _as_route_check(episodes: pd.DataFrame) -> list[dict]:
    """History episodes in ``route check``'s JSON form (times as ISO text, zone fields where present)."""
    rows = []
    for row in episodes.to_dict("records"):
        shown = {k: row[k] for k in COMPARED}
        shown["start"], shown["end"] = row["start"].isoformat(), row["end"].isoformat()
        rows.append({**shown, **({"zone": row["zone"], "rule": row["rule"]} if isinstance(row["zone"], str) else {})})
    return rows


def _demo_fixes_frame() -> pd.DataFrame:
    frame = pd.read_csv(DEMO_TRACK)
    return pd.DataFrame({"waybill_id": "w1", "at": pd.to_datetime(frame["time"], utc=True), "lon": frame["lon"],
                         "lat": frame["lat"], "speed_kph": float("nan")})


def test_one_trip_has_the_episodes_route_check_finds():
    document = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    key = corridor_key(document)
    episodes, trips = check_trips(_demo_fixes_frame(), [TripSpec("w1", key, None)], {key: document})
    expected = check_track(read_track(DEMO_TRACK), load_corridor(DEMO_CORRIDOR))["episodes"]
    assert expected and _as_route_check(episodes) == expected
    assert trips.to_dict("records") == [{"waybill_id": "w1", "fixes": len(pd.read_csv(DEMO_TRACK)),
                                         "valid_fixes": len(read_track(DEMO_TRACK)), "episodes": len(expected),
                                         "error": None}]


def test_trips_that_cannot_be_checked_say_why_and_the_others_are_checked():
    document = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    key = corridor_key(document)
    fixes = pd.concat([_demo_fixes_frame(), _demo_fixes_frame().assign(waybill_id="far", lon=10.0, lat=50.0),
                       _demo_fixes_frame().head(1).assign(waybill_id="one")])
    trips = [TripSpec("w1", key, None), TripSpec("far", key, None), TripSpec("one", key, None),
             TripSpec("none", None, None)]
    episodes, checked = check_trips(fixes, trips, {key: document})
    reasons = dict(zip(checked["waybill_id"], checked["error"]))
    assert pd.isna(reasons["w1"]) and set(episodes["waybill_id"]) == {"w1"}
    assert "no fix lies within" in reasons["far"]
    assert reasons["one"] == reasons["none"] == "fewer than 2 valid fixes"


def test_a_task_runs_on_a_dask_cluster_with_the_same_result(tmp_path):
    document = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    key = corridor_key(document)
    path = tmp_path / "fixes.parquet"
    _demo_fixes_frame().to_parquet(path)
    task = CheckTask(trips=(TripSpec("w1", key, None),), files=(str(path),), corridors={key: document})
    with dask_client(ClusterSpec(workers=1, in_process=True)) as client:
        episodes, trips = run_tasks(client, [task, task], progress=False)
    alone, _ = check_trips(_demo_fixes_frame(), task.trips, task.corridors)
    assert _as_route_check(episodes) == _as_route_check(pd.concat([alone, alone]).sort_values(
        ["waybill_id", "first_index", "kind"]))


def test_a_local_clusters_workers_run_with_the_quieter_settings():
    import dask

    with dask_client(ClusterSpec(workers=1, in_process=True)) as client:
        settings = client.run(lambda: {k: dask.config.get(k) for k in LOCAL_WORKER_CONFIG})
    assert list(settings.values()) == [LOCAL_WORKER_CONFIG]
    assert LOCAL_WORKER_CONFIG["distributed.worker.profile.enabled"] is False


@pytest.fixture
def demo_trip(demo_months, fresh_database_url, tmp_path) -> dict:
    """The demo trip's fixes as a CSV, its corridor as GeoJSON, its UN numbers and live alerts."""
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        waybill = session.scalars(select(Waybill).where(
            Waybill.id.in_(select(GpsFix.waybill_id).distinct()))).one()
        fixes = session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat, GpsFix.speed_kph)
                                .where(GpsFix.waybill_id == waybill.id).order_by(GpsFix.at)).all()
        corridor = trip_geojson(session, session.get(Corridor, waybill.corridor_id))
        un_numbers = session.scalars(select(WaybillLine.un_number).join(WaybillVersion).where(
            WaybillVersion.waybill_id == waybill.id, WaybillVersion.version == waybill.version)).all()
        alerts = session.scalars(select(Alert.kind).where(Alert.waybill_id == waybill.id)).all()
        waybill_id = str(waybill.id)
    engine.dispose()
    track = tmp_path / "track.csv"
    pd.DataFrame(fixes, columns=["time", "lon", "lat", "speed"]).assign(
        time=lambda f: f["time"].map(lambda t: t.isoformat())).to_csv(track, index=False)
    corridor_file = tmp_path / "corridor.geojson"
    corridor_file.write_text(json.dumps(corridor), encoding="utf-8")
    return {"id": waybill_id, "track": track, "corridor": corridor_file, "un": [u for u in un_numbers if u],
            "alerts": [str(a) for a in alerts], "fixes": len(fixes)}


def test_history_check_of_the_demo_months_finds_what_route_check_finds(
        run, demo_months, demo_trip, shared_data, tmp_path):
    archive = tmp_path / "archive"
    for month in demo_months:
        assert run("history", "export", "--month", month, "--out", str(archive)).exit_code == 0
    first, last = f"{demo_months[0]}-01", pd.Timestamp(f"{demo_months[-1]}-01").to_period("M").end_time.date()
    output = tmp_path / "episodes.parquet"
    result = run("history", "check", "--from", first, "--to", str(last), "--archive", str(archive),
                 "--in-process", "--workers", "1", "--output", str(output), "--format", "json", "--no-progress")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)

    un = [a for u in demo_trip["un"] for a in ("--un", u)]
    catalogue = str(Path(shared_data) / "dangerous_goods" / "un_numbers_adr.csv")
    routed = run("route", "check", "--corridor", str(demo_trip["corridor"]), "--track", str(demo_trip["track"]),
                 *un, "--catalogue", catalogue, "--format", "json")
    expected = json.loads(routed.stdout)["episodes"]
    assert expected, "the demo's detour is a finding"
    episodes = pd.read_parquet(output)
    assert set(episodes["waybill_id"]) == {demo_trip["id"]}
    assert _as_route_check(episodes) == expected

    kinds = pd.Series([e["kind"] for e in expected]).value_counts().to_dict()
    assert summary["trips"] == 1 and summary["fixes"] == demo_trip["fixes"] and summary["episodes"] == kinds
    trips = pd.read_parquet(tmp_path / "episodes.trips.parquet")
    live = pd.Series(demo_trip["alerts"]).value_counts().to_dict()
    for kind in ("deviation", "forbidden_zone", "signal_gap"):
        assert trips[f"{kind}_live"].tolist() == [live.get(kind, 0)]
        assert trips[f"{kind}_episodes"].tolist() == [kinds.get(kind, 0)]
    differs = any(live.get(k, 0) != kinds.get(k, 0) for k in ("deviation", "forbidden_zone", "signal_gap"))
    assert summary["differs_from_live"] == int(differs)


def test_check_against_another_corridor_file(run, demo_months, tmp_path):
    archive = tmp_path / "archive"
    for month in demo_months:
        assert run("history", "export", "--month", month, "--out", str(archive)).exit_code == 0
    far = tmp_path / "far.geojson"
    far.write_text(json.dumps({"type": "Feature", "properties": {"width_m": 50},
                               "geometry": {"type": "LineString", "coordinates": [[10.0, 50.0], [10.1, 50.1]]}}))
    first, last = f"{demo_months[0]}-01", pd.Timestamp(f"{demo_months[-1]}-01").to_period("M").end_time.date()
    common = ["--from", first, "--to", str(last), "--archive", str(archive), "--in-process", "--workers", "1",
              "--output", str(tmp_path / "e.parquet"), "--format", "json", "--no-progress"]
    summary = json.loads(run("history", "check", *common, "--corridors", str(far)).stdout)
    assert summary["episodes"] == {} and list(summary["uncheckable"]) and summary["trips"] == 1
    bad = run("history", "check", *common, "--corridors", str(far), "--current")
    assert bad.exit_code == 2 and "exclude each other" in bad.stderr
    current = json.loads(run("history", "check", *common, "--current").stdout)
    assert current["episodes"] and current["uncheckable"] == {}


def test_check_from_the_database_finds_what_the_archive_check_finds(run, demo_months, tmp_path):
    archive = tmp_path / "archive"
    for month in demo_months:
        assert run("history", "export", "--month", month, "--out", str(archive)).exit_code == 0
    first, last = f"{demo_months[0]}-01", pd.Timestamp(f"{demo_months[-1]}-01").to_period("M").end_time.date()
    common = ["--from", first, "--to", str(last), "--archive", str(archive), "--in-process", "--workers", "1",
              "--format", "json", "--no-progress"]
    archived = json.loads(run("history", "check", *common, "--output", str(tmp_path / "a.parquet")).stdout)
    result = run("history", "check", *common, "--source", "database", "--output", str(tmp_path / "d.parquet"))
    assert result.exit_code == 0, result.output
    assert {k: v for k, v in json.loads(result.stdout).items() if k != "output"} == {
        k: v for k, v in archived.items() if k != "output"}
    assert (pd.read_parquet(tmp_path / "d.parquet").to_dict("records")
            == pd.read_parquet(tmp_path / "a.parquet").to_dict("records"))
    empty = run("history", "check", "--from", "2001-01-01", "--to", "2001-01-02", "--source", "database")
    assert empty.exit_code == 2 and "no trip with fixes" in empty.stderr


def test_a_local_cluster_starts_quietly_beside_another_on_the_dashboard_port():
    """The scheduler's HTTP endpoints took the dashboard's port 8787 even with the dashboard off; with another
    cluster on the host holding it, distributed warned ("Port 8787 is already in use"), an error in this suite."""
    import socket
    import warnings

    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            other.bind(("127.0.0.1", 8787))
            other.listen()
        except OSError:
            pass  # something already holds it: the case to test
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with dask_client(ClusterSpec(workers=1, in_process=True)) as client:
                assert client.submit(sum, [1, 2]).result() == 3
