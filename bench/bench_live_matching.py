"""The live checks' cost per fix with map matching on and off (issue 20).

In one process (the Flask test client, a SQLite file, no HTTP server: what is measured is the app's work),
``--vehicles`` waybills in transit with the demo corridor each upload the demo detour drive
(geodata/demo_track_detour.csv, 163 fixes 5 s apart on the real Shanghai extract) in batches of ``--batch``
fixes, vehicles in turn, once with ``MONITOR_MAP_MATCH`` off (the buffer and the flat limit) and once on (the
road network prepared beforehand; each batch through the trip's fixed-lag matcher, overspeed by the matched
road's limit, deviation by the matched road). Printed: milliseconds of wall time and of this process's CPU per
fix, per request, and the difference; then the matcher alone (``routing.live_matching``), fixes per second fed
in batches of ``--batch``, against the whole-track matcher on the same fixes.

Run ``.venv/bin/python bench/bench_live_matching.py`` (about a minute; ``--quick`` for a few vehicles).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import road_network  # noqa: E402
from models.types import utcnow  # noqa: E402
from routing.live_matching import FixedLagMatcher  # noqa: E402
from routing.matching import MatchParameters, match_track  # noqa: E402
from routing.tracks import read_track  # noqa: E402
from bench_tracking import build_fleet  # noqa: E402
from tests.paths import REPO, SHANGHAI_OSM  # noqa: E402

TRACK = REPO / "geodata" / "demo_track_detour.csv"


def drive(start: dt.datetime) -> list[dict]:
    """The demo drive from *start*, with the speed a terminal reports."""
    with open(TRACK, encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    first = dt.datetime.fromisoformat(rows[0]["time"])
    return [{"time": (start + (dt.datetime.fromisoformat(r["time"]) - first)).isoformat(), "lon": float(r["lon"]),
             "lat": float(r["lat"]), "speed": 40.0} for r in rows]


def run(map_match: bool, vehicles: int, batch: int, folder: Path) -> tuple[float, float, int, int]:
    """Upload every vehicle's drive in batches; (wall s, CPU s, fixes, requests)."""
    url = f"sqlite:///{folder / ('on' if map_match else 'off')}.db"
    fleet = build_fleet(url, vehicles)  # bench_tracking's: the tests' trip world, the demo corridor on each
    ids, headers = fleet.waybills, {"Authorization": f"Bearer {fleet.token}"}
    app = create_app({"DATABASE_URL": url, "MONITOR_MAP_MATCH": map_match, "NETWORK_PATH": str(SHANGHAI_OSM)})
    client = app.test_client()
    if map_match:
        with app.app_context():
            assert road_network.matching_graph(wait=True) is not None
    fixes = drive(utcnow().replace(microsecond=0) - dt.timedelta(hours=1))
    bodies = [(waybill, fixes[i:i + batch]) for i in range(0, len(fixes), batch) for waybill in ids]
    wall, cpu = time.perf_counter(), time.process_time()
    for waybill, part in bodies:
        response = client.post(f"/api/v1/waybills/{waybill}/track", json={"fixes": part}, headers=headers)
        assert response.status_code == 200, response.get_json()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.dispose(app)
    return wall, cpu, len(fixes) * vehicles, len(bodies)


def matcher_alone(batch: int) -> tuple[float, float]:
    """Fixes/s through the fixed-lag matcher in batches, and through match_track whole."""
    graph = road_network.matching_graph(wait=True)
    assert graph is not None
    track = read_track(TRACK)
    params = MatchParameters(sigma_m=10.0)
    started = time.process_time()
    state = None
    for first in range(0, len(track), batch):
        matcher = FixedLagMatcher(graph, params, state)
        matcher.feed(track.time_ns[first:first + batch], track.lon[first:first + batch],
                     track.lat[first:first + batch])
        state = json.loads(json.dumps(matcher.state()))
    lagged = len(track) / (time.process_time() - started)
    started = time.process_time()
    match_track(graph, track, params)
    return lagged, len(track) / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10, help="fixes per request")
    parser.add_argument("--quick", action="store_true", help="3 vehicles")
    args = parser.parse_args()
    vehicles = 3 if args.quick else args.vehicles
    with tempfile.TemporaryDirectory() as folder:
        figures = {on: run(on, vehicles, args.batch, Path(folder)) for on in (False, True)}
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/x.db", "NETWORK_PATH": str(SHANGHAI_OSM)})
        with app.app_context():
            lagged, whole = matcher_alone(args.batch)
    print(f"live checks, {vehicles} vehicles x 163 fixes in batches of {args.batch} (SQLite, in process):")
    for on, (wall, cpu, fixes, requests) in figures.items():
        print(f"  map matching {'on ' if on else 'off'}: {wall / fixes * 1e3:6.2f} ms wall, "
              f"{cpu / fixes * 1e3:6.2f} ms CPU per fix; {wall / requests * 1e3:6.1f} ms per request")
    (w0, c0, n, _), (w1, c1, _, _) = figures[False], figures[True]
    print(f"  cost of matching: {(w1 - w0) / n * 1e3:+.2f} ms wall, {(c1 - c0) / n * 1e3:+.2f} ms CPU per fix")
    print(f"matcher alone: {lagged:,.0f} fixes/s fed in batches of {args.batch} (state through JSON each time); "
          f"{whole:,.0f} fixes/s matching the track whole")


if __name__ == "__main__":
    main()
