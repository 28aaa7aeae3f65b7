"""``route check`` of a clean CSV imports only what the check needs (issue 18: its start-up was most of the gap to
1 M fixes/s end to end).

A fresh interpreter runs the command and lists what it imported: not Flask, Babel or SQLAlchemy (the command
builds no app; the command line's error handler imports the domain errors, which must not pull the translations
in), not pandas (Arrow reads a clean CSV), not ``pyarrow.compute`` (with its docstring machinery, pydoc), not the
road network's module (with its XML parser) when no ``--network`` is given, not ``numpy.ma`` (``np.median`` imports
it: the median of a track's latitudes is taken without it), not ``zoneinfo`` (with ``sysconfig``) when no corridor
part names a time zone. The CPU
time is printed by ``bench/bench_track_check.py``, not asserted here.
"""
import json
import subprocess
import sys

import numpy as np

from tests.paths import REPO

UNNEEDED = ("flask", "flask_babel", "babel", "sqlalchemy", "pandas", "pyarrow.compute", "pydoc", "routing.cargo",
            "routing.network", "xml.etree.ElementTree", "numpy.ma", "zoneinfo")
_PROBE = """
import json, sys
from app.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="hazledger")
except SystemExit as done:
    code = done.code
print(json.dumps({"exit": code, "imported": sorted(m for m in %r if m in sys.modules)}))
""" % (UNNEEDED,)
CORRIDOR = REPO / "geodata" / "demo_corridor_shanghai.geojson"


def _run(track, *options):
    done = subprocess.run([sys.executable, "-c", _PROBE, "route", "check", "--corridor", str(CORRIDOR), "--track",
                           str(track), *options], capture_output=True, text=True, cwd=REPO, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_route_check_of_a_clean_csv_imports_no_app_no_pandas_no_arrow_compute(tmp_path):
    track = tmp_path / "t.csv"
    rows = "".join(f"2026-01-01T00:00:{i:02d}+00:00,121.4551,31.2047\n" for i in range(20))
    track.write_text("time,lon,lat\n" + rows, encoding="utf-8")
    result = _run(track)
    assert result == {"exit": 0, "imported": []}


def test_a_long_clean_track_imports_no_numpy_ma(tmp_path):
    """Over a thousand fixes the median of the latitudes is a partial sort (np.median's would import numpy.ma)."""
    track = tmp_path / "t.csv"
    rows = "".join(f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}+00:00,121.4551,{31.2047 + i * 1e-7!r}\n"
                   for i in range(3001))
    track.write_text("time,lon,lat\n" + rows, encoding="utf-8")
    assert _run(track) == {"exit": 0, "imported": []}


def test_the_probe_sees_them_when_they_are_imported(tmp_path):
    """Epoch seconds go through pandas' reader: the probe would notice an import that came back."""
    track = tmp_path / "t.csv"
    track.write_text("time,lon,lat\n1767225600,121.4551,31.2047\n1767225610,121.4551,31.2047\n", encoding="utf-8")
    assert "pandas" in _run(track)["imported"]


def test_a_gcj02_csv_is_read_ahead_in_a_fresh_interpreter_as_in_one_thread(tmp_path):
    """GCJ-02 needs the projections on the reading thread: imported before it starts (two threads importing at
    once can deadlock), the check runs through."""
    from routing.projection import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(np.full(20, 121.4551), np.full(20, 31.2047))
    track = tmp_path / "t.csv"
    pairs = enumerate(zip(lon.tolist(), lat.tolist()))
    rows = "".join(f"2026-01-01T00:00:{i:02d}Z,{x!r},{y!r}\n" for i, (x, y) in pairs)
    track.write_text("time,lon,lat\n" + rows, encoding="utf-8")
    assert _run(track, "--gcj02") == {"exit": 0, "imported": []}
