"""The compliance view's cost with map matching on, first and repeated request (issue 20 follow-up).

In one process (the Flask test client, a SQLite file, no HTTP server), a waybill in transit with the demo corridor
holds a long simulated drive on the real Shanghai extract: loops of the demo corridor's line and the fastest way
back to its start, sampled every second with 10 m of GPS noise, stored straight into ``gps_fixes`` (the live checks
are not what is measured). With ``MONITOR_MAP_MATCH`` on and the network prepared beforehand,
``GET /api/v1/waybills/{id}/compliance`` is timed the first time (the trip is matched) and then ``--repeat``
times (the match comes from the process's cache, :mod:`app.services.trip_match`); then once more after one new
fix is stored (matched afresh). Printed per trip size: milliseconds of wall time and of this process's CPU, and
the matches the cache computed.

Run ``.venv/bin/python bench/bench_trip_match.py`` (5,000 and 36,000 fixes, about a minute on a quiet machine;
``--quick``: 5,000 only; ``--sizes 1000 5000 ...`` for others).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import LineString, shape  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import road_network, trip_match  # noqa: E402
from app.services.gps_store import VehicleFixes, store_vehicle_fixes  # noqa: E402
from models import GpsFix, Waybill  # noqa: E402
from models.engine import make_engine  # noqa: E402
from models.types import utcnow  # noqa: E402
from routing.network import Network  # noqa: E402
from routing.projection import geometry_to_metric, to_wgs84  # noqa: E402
from bench_tracking import build_fleet  # noqa: E402
from tests.paths import DEMO_CORRIDOR, SHANGHAI_OSM  # noqa: E402
from tests.routing.simulate import path_line  # noqa: E402

SPEED_MPS = 10.0
NOISE_M = 10.0


def loop_line(network: Network) -> LineString:
    """The demo corridor's line, then the fastest way from its end back to its start (one-way streets kept)."""
    line = next(f for f in json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
                if f["geometry"]["type"] == "LineString")
    there = geometry_to_metric(shape(line["geometry"]), network.crs)
    ids = np.array(list(network.graph.nodes))
    nodes = shapely.points([(network.graph.nodes[n]["x"], network.graph.nodes[n]["y"]) for n in ids])
    end, start = (int(ids[np.argmin(shapely.distance(nodes, shapely.Point(there.coords[i])))]) for i in (-1, 0))
    back = path_line(network, nx.shortest_path(network.graph, end, start, weight="travel_time"))
    return LineString(list(there.coords) + list(back.coords))


def drive(network: Network, fixes: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """*fixes* positions one second apart around the loop, again and again, with Gaussian noise (lon, lat, s)."""
    loop = loop_line(network)
    along = (np.arange(fixes) * SPEED_MPS) % loop.length
    points = shapely.line_interpolate_point(loop, along)
    xy = shapely.get_coordinates(points) + np.random.default_rng(seed).normal(0.0, NOISE_M, (fixes, 2))
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], network.crs)
    return lon, lat, np.arange(fixes, dtype=float)


def store(url: str, waybill_id: str, fixes: int, network: Network) -> None:
    """The drive's fixes for the waybill, ending a minute ago; its departure at the first."""
    lon, lat, seconds = drive(network, fixes)
    start = pd.Timestamp(utcnow()) - pd.Timedelta(seconds=fixes + 60)
    time_ns = start.value + (seconds * 1e9).astype(np.int64)
    engine = make_engine(url)
    with Session(engine) as session:
        waybill = session.get(Waybill, uuid.UUID(waybill_id))
        waybill.departed_at = start.to_pydatetime()
        store_vehicle_fixes(session, [VehicleFixes(waybill.id, f"bench{fixes}", time_ns, lon, lat, None)])
        session.commit()
    engine.dispose()


def store_one_more(url: str, waybill_id: str, fixes: int) -> None:
    """One more fix, a second after the trip's last and a metre east of it."""
    engine = make_engine(url)
    with Session(engine) as session:
        last = session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat).where(
            GpsFix.waybill_id == uuid.UUID(waybill_id)).order_by(GpsFix.at.desc()).limit(1)).one()
        at = pd.to_datetime(last.at, utc=True) + pd.Timedelta(seconds=1)
        store_vehicle_fixes(session, [VehicleFixes(uuid.UUID(waybill_id), f"bench{fixes}", np.array([at.value]),
                                                   np.array([last.lon + 1e-5]), np.array([last.lat]), None)])
        session.commit()
    engine.dispose()


def timed(client, url: str, headers: dict) -> tuple[float, float]:
    """One compliance request: (wall ms, CPU ms)."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, headers=headers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["method"] == "map_match"
    return wall * 1e3, cpu * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 36_000], help="fixes of each trip")
    parser.add_argument("--repeat", type=int, default=5, help="repeated requests timed")
    parser.add_argument("--quick", action="store_true", help="5,000 fixes only")
    args = parser.parse_args()
    sizes = [5_000] if args.quick else args.sizes
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/trips.db"
        fleet = build_fleet(url, len(sizes))  # bench_tracking's: the tests' trip world, the demo corridor on each
        headers = {"Authorization": f"Bearer {fleet.supervisor}"}
        app = create_app({"DATABASE_URL": url, "MONITOR_MAP_MATCH": True, "NETWORK_PATH": str(SHANGHAI_OSM)})
        client = app.test_client()
        with app.app_context():
            graph = road_network.matching_graph(wait=True)
            assert graph is not None
        print(f"compliance with map matching on (SQLite, in process; {SPEED_MPS:g} m/s, 1 s sampling, "
              f"σ {NOISE_M:g} m, the Shanghai extract):")
        for fixes, waybill in zip(sizes, fleet.waybills):
            store(url, waybill, fixes, graph.network)
            path = f"/api/v1/waybills/{waybill}/compliance"
            trip_match.CACHE.clear()
            first = timed(client, path, headers)
            again = [timed(client, path, headers) for _ in range(args.repeat)]
            matches = trip_match.CACHE.matches
            store_one_more(url, waybill, fixes)
            fresh = timed(client, path, headers)
            wall, cpu = (statistics.median(column) for column in zip(*again))
            print(f"  {fixes:>6,} fixes: first {first[0]:8.0f} ms wall ({first[1]:7.0f} CPU); repeated "
                  f"{wall:6.0f} ms wall ({cpu:5.0f} CPU), median of {args.repeat}; after a new fix "
                  f"{fresh[0]:8.0f} ms wall; matches computed "
                  f"{matches} for {1 + args.repeat} requests, then {trip_match.CACHE.matches}")
        db.dispose(app)


if __name__ == "__main__":
    main()
