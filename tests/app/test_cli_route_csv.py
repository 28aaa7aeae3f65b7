"""``route check`` of a CSV (issue 18): read by Arrow when clean, without the libraries it does not need, and bad
input still refused with exit 2 and one line."""
import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from app.cli.route import route
from routing.track_csv import csv_columns
from tests.app.test_cli_startup import _run as run_in_a_fresh_interpreter
from tests.paths import DEMO_CORRIDOR


def demo_track(tmp_path, n=600, north_m=0.0):
    """Fixes every second along the demo corridor's first kilometre, ``north_m`` north of it from fix 200 to 400."""
    data = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    line = next(f["geometry"]["coordinates"] for f in data["features"] if f["geometry"]["type"] == "LineString")
    lon, lat = np.asarray(line[0]), np.asarray(line[1])
    share = np.linspace(0.0, 1.0, n)[:, None]
    points = lon + (lat - lon) * share
    points[200:400, 1] += north_m / 110_800
    times = pd.Timestamp("2026-01-01T08:00:00Z") + pd.to_timedelta(np.arange(n), unit="s")
    path = tmp_path / "track.csv"
    pd.DataFrame({"time": times.strftime("%Y-%m-%dT%H:%M:%S+08:00"), "lon": points[:, 0],
                  "lat": points[:, 1]}).to_csv(path, index=False)
    return path


def test_route_check_of_a_csv_imports_no_library_it_does_not_use(tmp_path):
    track = demo_track(tmp_path, north_m=300.0)
    assert csv_columns(track) is not None
    report = run_in_a_fresh_interpreter("route", "check", "--corridor", str(DEMO_CORRIDOR), "--track", str(track))
    # the detour found without pandas, geopandas, osmnx or matplotlib, without the web stack, Flask, a model or a
    # database driver
    assert report == {"exit": 1, "heavy": [], "web": [], "flask": [], "werkzeug": False, "models": [], "drivers": [],
                      "postgresql_dialect": False}


def test_the_arrow_read_gives_the_document_of_the_general_reader(tmp_path):
    track = demo_track(tmp_path, north_m=300.0)
    fast = CliRunner().invoke(route, ["check", "--corridor", str(DEMO_CORRIDOR), "--track", str(track)])
    spaced = tmp_path / "spaced.csv"  # a space before each time: pandas reads it (skipinitialspace), Arrow not
    header, *lines = track.read_text(encoding="utf-8").splitlines()
    spaced.write_text("\n".join([header, *(" " + line for line in lines)]) + "\n", encoding="utf-8")
    assert csv_columns(spaced) is None
    general = CliRunner().invoke(route, ["check", "--corridor", str(DEMO_CORRIDOR), "--track", str(spaced)])
    assert fast.exit_code == general.exit_code == 1
    assert json.loads(fast.stdout)["episodes"] and json.loads(fast.stdout) == json.loads(general.stdout)


def test_a_clean_file_of_mostly_bad_times_exits_2_with_one_line(tmp_path):
    text = "time,lon,lat\n" + "".join(f"1999-12-31T23:59:{i:02d}Z,121.47,31.23\n" for i in range(10))
    text += "2026-01-01T08:00:00Z,121.47,31.23\n2026-01-01T08:00:05Z,121.471,31.23\n"
    path = tmp_path / "old.csv"
    path.write_text(text, encoding="utf-8")
    assert csv_columns(path) is not None
    result = CliRunner().invoke(route, ["check", "--corridor", str(DEMO_CORRIDOR), "--track", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "too few valid fixes (2 of 12" in result.stderr and "time out of range ×10 (first row 1)" in result.stderr


def test_a_bad_corridor_while_the_csv_is_read_ahead_exits_2_with_one_line(tmp_path):
    """The CSV is read on a thread while the corridor loads: the corridor's error is still the one reason given."""
    track = demo_track(tmp_path)
    corridor = tmp_path / "corridor.geojson"
    corridor.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    result = CliRunner().invoke(route, ["check", "--corridor", str(corridor), "--track", str(track)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "corridor" in result.stderr
