"""`hazledger route check|plan` against CONTRACT.md: output shape, exit codes 0/1/2, one-line reasons."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from app.cli.route import DEFAULT_CATALOGUE, route
from tests.paths import DEMO_CORRIDOR, REPO, SHANGHAI_OSM

T0 = pd.Timestamp("2026-01-01T08:00:00Z")
# A straight corridor along lat 31.23 from lon 121.47 to 121.49 (about 1.9 km).
CORRIDOR = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "test corridor"},
     "geometry": {"type": "LineString", "coordinates": [[121.47, 31.23], [121.49, 31.23]]}}]}


def run(*args):
    return CliRunner().invoke(route, [str(a) for a in args])


@pytest.fixture
def corridor(tmp_path):
    path = tmp_path / "corridor.geojson"
    path.write_text(json.dumps(CORRIDOR), encoding="utf-8")
    return path


def write_track(tmp_path, north_m=None, name="track.csv"):
    """A drive along the corridor every 5 s; ``north_m`` (per fix) moves fixes off it."""
    n = 40
    lon = np.linspace(121.471, 121.489, n)
    lat = np.full(n, 31.23) + (np.zeros(n) if north_m is None else north_m) / 110_800
    times = [(T0 + pd.Timedelta(seconds=5 * i)).isoformat() for i in range(n)]
    path = tmp_path / name
    pd.DataFrame({"time": times, "lon": lon, "lat": lat}).to_csv(path, index=False)
    return path


def detour_offsets():
    north = np.zeros(40)
    north[15:30] = 300.0  # 15 fixes, 70 s, 300 m north of the centre line
    return north


def test_check_compliant_exits_0(tmp_path, corridor):
    result = run("check", "--corridor", corridor, "--track", write_track(tmp_path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["compliant"] is True and data["episodes"] == []
    assert data["points"] == data["valid_points"] == 40


def test_check_detour_exits_1_with_the_contract_shape(tmp_path, corridor):
    result = run("check", "--corridor", corridor, "--track", write_track(tmp_path, detour_offsets()))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["compliant"] is False
    (episode,) = data["episodes"]
    assert episode["kind"] == "deviation"
    assert (episode["first_index"], episode["last_index"]) == (15, 29)
    assert episode["start"] == "2026-01-01T08:01:15+00:00" and episode["end"] == "2026-01-01T08:02:25+00:00"
    assert episode["duration_s"] == 70.0
    assert episode["max_offset_m"] == pytest.approx(250, abs=2)  # 300 m off a 50 m buffer
    step_m = 0.018 / 39 * 111_320 * np.cos(np.radians(31.23))  # east, between consecutive fixes
    assert episode["length_m"] == pytest.approx(14 * step_m, rel=0.01)


def test_check_thresholds_are_options(tmp_path, corridor):
    track = write_track(tmp_path, detour_offsets())
    assert run("check", "--corridor", corridor, "--track", track, "--min-seconds", "100").exit_code == 0
    assert run("check", "--corridor", corridor, "--track", track, "--min-points", "16").exit_code == 0
    assert run("check", "--corridor", corridor, "--track", track, "--buffer-m", "350").exit_code == 0
    assert run("check", "--corridor", corridor, "--track", track, "--max-gap-s", "4").exit_code == 1


def test_check_text_format_and_plot(tmp_path, corridor):
    picture = tmp_path / "check.png"
    result = run("check", "--corridor", corridor, "--track", write_track(tmp_path, detour_offsets()),
                 "--format", "text", "--plot", picture)
    assert result.exit_code == 1
    assert result.stdout.startswith("NOT compliant: 40 of 40 fixes valid, 1 episode(s)")
    assert "deviation" in result.stdout and picture.stat().st_size > 10_000


def test_check_gcj02_flag(tmp_path, corridor):
    from routing.projection import wgs84_to_gcj02

    path = write_track(tmp_path)
    frame = pd.read_csv(path)
    frame["lon"], frame["lat"] = wgs84_to_gcj02(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    frame.to_csv(path, index=False)
    assert run("check", "--corridor", corridor, "--track", path).exit_code == 1
    assert run("check", "--corridor", corridor, "--track", path, "--gcj02").exit_code == 0


def test_check_reports_dropped_rows_when_enough_remain(tmp_path, corridor):
    path = write_track(tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("not a time,121.48,31.23\n2026-01-01T08:00:10+00:00,abc,31.23\n")
    result = run("check", "--corridor", corridor, "--track", path)
    assert result.exit_code == 0
    dropped = {d["reason"]: d["rows"] for d in json.loads(result.stdout)["dropped"]}
    assert dropped == {"unparseable time": [41], "non-numeric coordinate": [42]}


def test_check_repairs_a_self_intersecting_polygon_and_says_so(tmp_path):
    bowtie = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
        [121.46, 31.22], [121.50, 31.24], [121.50, 31.22], [121.46, 31.24], [121.46, 31.22]]]}}
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(bowtie), encoding="utf-8")
    result = run("check", "--corridor", path, "--track", write_track(tmp_path))
    assert result.exit_code in (0, 1)
    assert any("repaired with make_valid" in n for n in json.loads(result.stdout)["notes"])


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


BAD_INPUTS = {
    "empty CSV": ("track", "", "empty file"),
    "header-less CSV": ("track", "2026-01-01T08:00:00Z,121.47,31.23\n2026-01-01T08:00:05Z,121.471,31.23\n",
                        "header must name"),
    "non-numeric coordinates": ("track", "time,lon,lat\n2026-01-01T08:00:00Z,x,31.23\n"
                                "2026-01-01T08:00:05Z,y,31.23\n", "non-numeric coordinate"),
    "out-of-range coordinates": ("track", "time,lon,lat\n2026-01-01T08:00:00Z,121.47,91\n"
                                 "2026-01-01T08:00:05Z,121.47,-91\n", "out of range"),
    "NaN": ("track", "time,lon,lat\n2026-01-01T08:00:00Z,NaN,31.23\n2026-01-01T08:00:05Z,121.47,nan\n",
            "missing coordinate"),
    "unparseable times": ("track", "time,lon,lat\nnoon,121.47,31.23\nlater,121.471,31.23\n",
                          "unparseable time"),
    "other hemisphere": ("track", "time,lon,lat\n2026-01-01T08:00:00Z,-121.47,-31.23\n"
                         "2026-01-01T08:00:05Z,-121.471,-31.23\n", "another hemisphere"),
    "corridor without geometry": ("corridor", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [121.47, 31.23]}}]}),
        "no usable geometry"),
    "corridor not JSON": ("corridor", "<kml/>", "not GeoJSON"),
    "self-intersecting polygon with no area": ("corridor", json.dumps({"type": "Polygon", "coordinates": [[
        [121.47, 31.23], [121.48, 31.23], [121.47, 31.23], [121.48, 31.23], [121.47, 31.23]]]}),
        "no area once repaired"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_check_bad_input_exits_2_with_one_line(tmp_path, corridor, case):
    which, text, message = BAD_INPUTS[case]
    bad = _write(tmp_path / ("bad.csv" if which == "track" else "bad.geojson"), text)
    args = ["--corridor", bad if which == "corridor" else corridor,
            "--track", bad if which == "track" else write_track(tmp_path)]
    result = run("check", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


@pytest.mark.parametrize(("options", "message"), [
    (["--min-points", "0"], "--min-points"),
    (["--max-gap-s", "-5"], "--max-gap-s"),
    (["--buffer-m", "0"], "--buffer-m"),
    (["--plot", "out.jpg"], "--plot"),
    (["--un", "9999"], "UN9999"),
])
def test_check_bad_options_exit_2(tmp_path, corridor, options, message):
    result = run("check", "--corridor", corridor, "--track", write_track(tmp_path), *options)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_check_missing_file_is_a_usage_error(tmp_path, corridor):
    assert run("check", "--corridor", corridor, "--track", tmp_path / "none.csv").exit_code == 2


# --- route plan on the real Shanghai extract -------------------------------------------------------------

PUXI, PUDONG = "121.4900,31.2245", "121.5170,31.2312"


@pytest.fixture(scope="module")
def plan(network_cache):
    if not SHANGHAI_OSM.is_file():
        pytest.skip("Shanghai extract not available")
    return lambda *args: run("plan", "--network", SHANGHAI_OSM, "--cache-dir", network_cache, *args)


def test_plan_prints_a_geojson_feature(plan):
    if not DEFAULT_CATALOGUE.is_file():
        pytest.skip("UN list not available")
    result = plan("--from", PUXI, "--to", PUDONG, "--un", "UN1203")
    assert result.exit_code == 0, result.stderr
    feature = json.loads(result.stdout)
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
    props = feature["properties"]
    assert props["un_numbers"] == ["1203"] and props["tunnel_code"] == "D/E"
    assert props["length_m"] > 4000 and props["travel_time_s"] > 0 and props["edges"] and props["osm_way_ids"]
    free = json.loads(plan("--from", PUXI, "--to", PUDONG).stdout)
    assert free["properties"]["travel_time_s"] < props["travel_time_s"]  # the forbidden tunnel is faster


def test_plan_text_and_plot(plan, tmp_path):
    picture = tmp_path / "plan.svg"
    result = plan("--from", PUXI, "--to", PUDONG, "--format", "text", "--plot", picture, "--weight-t", "20")
    assert result.exit_code == 0 and result.stdout.startswith("route: ") and picture.is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--from", PUXI, "--to", PUDONG, "--un", "1203", "--untagged-tunnel-category", "E"],
     "no permitted route"),
    (["--from", "-121.49,31.22", "--to", PUDONG], "outside the network"),
    (["--from", "121.49", "--to", PUDONG], "LON,LAT"),
    (["--from", PUXI, "--to", "121.5,95"], "out of range"),
    (["--from", PUXI, "--to", PUDONG, "--un", "abc"], "not a UN number"),
    (["--from", PUXI, "--to", PUDONG, "--un", "1203", "--catalogue", "missing.csv"], "catalogue not found"),
    (["--from", PUXI, "--to", PUDONG, "--height-m", "-1"], "--height-m"),
])
def test_plan_bad_input_exits_2_with_one_line(plan, args, message):
    result = plan(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_plan_unreadable_network(tmp_path):
    bad = _write(tmp_path / "bad.osm", "<osm><way")
    result = run("plan", "--network", bad, "--from", PUXI, "--to", PUDONG, "--cache-dir", tmp_path)
    assert result.exit_code == 2 and "cannot read network" in result.stderr


def test_routing_imports_neither_flask_nor_an_orm():
    code = ("import sys, routing.checks, routing.planner, routing.plot; "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in {'flask', 'sqlalchemy', 'models', 'app'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_route_cli_module_imports_no_flask_or_database():
    import ast

    import app.cli.route as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"flask", "sqlalchemy", "models"}
    assert {name for name in imported if name.startswith("app.")} == {"app.cli._common"}


def test_plan_inside_a_corridor_then_check_the_drive(plan, tmp_path):
    from shapely.geometry import shape

    corridor = DEMO_CORRIDOR
    data = json.loads(corridor.read_text(encoding="utf-8"))
    line = shape(next(f["geometry"] for f in data["features"] if f["geometry"]["type"] == "LineString"))
    start, end = (line.interpolate(f, normalized=True) for f in (0.4, 0.75))
    result = plan("--from", f"{start.x},{start.y}", "--to", f"{end.x},{end.y}", "--corridor", corridor)
    assert result.exit_code == 0, result.stderr
    coords = np.array(json.loads(result.stdout)["geometry"]["coordinates"])
    times = [(T0 + pd.Timedelta(seconds=10 * i)).isoformat() for i in range(len(coords))]
    track = tmp_path / "drive.csv"
    pd.DataFrame({"time": times, "lon": coords[:, 0], "lat": coords[:, 1]}).to_csv(track, index=False)
    check = run("check", "--corridor", corridor, "--track", track)
    assert check.exit_code == 0, check.stdout


def test_check_keeps_a_logger_that_repeats_stale_positions(tmp_path, corridor):
    # 72 km/h at 1 Hz, the logger repeating each position 3-6 s, then catching up (80-140 m in one second).
    held = [5, 4, 7, 4, 6, 4, 5, 7, 4, 6]
    times = np.arange(sum(held) + 1)
    fresh = np.concatenate(([0], np.cumsum(held)))
    shown = fresh[np.searchsorted(fresh, times, side="right") - 1]
    path = tmp_path / "stale.csv"
    pd.DataFrame({"time": T0.timestamp() + times, "lon": 121.471 + shown * 20 / 95_200,
                  "lat": np.full(len(times), 31.23)}).to_csv(path, index=False)
    result = run("check", "--corridor", corridor, "--track", path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid_points"] == len(fresh)
    assert data["dropped"] == [{"reason": "stale repeat", "count": len(times) - len(fresh),
                                "rows": (np.flatnonzero(~np.isin(times, fresh)) + 1)[:10].tolist()}]


def test_check_reports_fatigue_driving(tmp_path, corridor):
    # Up and down the corridor at about 20 km/h (the terminal reports it: where it turns, positions a minute
    # apart would say it stood), a fix a minute, for 4 h 10 min without a 20-minute rest.
    minutes = np.arange(251)
    phase = (minutes % 10) / 5.0
    lon = 121.471 + 0.018 * np.where(phase <= 1, phase, 2 - phase)
    path = tmp_path / "long.csv"
    pd.DataFrame({"time": T0.timestamp() + minutes * 60, "lon": lon, "lat": np.full(251, 31.23),
                  "speed": np.full(251, 20.5)}).to_csv(path, index=False)
    result = run("check", "--corridor", corridor, "--track", path, "--format", "text")
    assert result.exit_code == 1, result.output
    assert "fatigue_driving [driving since 2026-01-01T08:00:00+00:00" in result.stdout
    data = json.loads(run("check", "--corridor", corridor, "--track", path).stdout)
    [fatigue] = [e for e in data["episodes"] if e["kind"] == "fatigue_driving"]
    assert fatigue["end"] == "2026-01-01T12:10:00+00:00" and fatigue["driving_s"] > 4 * 3600
