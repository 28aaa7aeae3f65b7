"""GPS ingestion speed (issue 7): sustained fixes/s through ``POST /api/v1/waybills/{id}/track``, and latency.

What runs, per backend (a throw-away PostgreSQL server started like the tests', but durable: fsync and
synchronous commit on, so a batch answered 200 is on disk; and/or a SQLite file):

- the real server: ``hazledger serve`` (waitress, ``--threads`` threads) in ``--workers`` processes, each on
  its own loopback port;
- ``--vehicles`` waybills in transit, each with its own vehicle and GPS terminal and the demo corridor
  attached; each vehicle drives to and fro along the corridor at 40 km/h with a fix every 10 s, ending now;
- ``--clients`` client threads post the vehicles' batches of ``--batch`` fixes (JSON, or CSV with
  ``--format csv``; bodies encoded beforehand) over keep-alive connections: each vehicle's batches in time
  order, the vehicles interleaved, vehicle n always to worker n mod W, as a load balancer hashing on the
  waybill would. A 503 (SQLite busy) is retried and counted.

Printed: fixes stored per second over ``--seconds`` after ``--warmup`` seconds, requests per second, the
request latency p50 / p95 / max (until the answer, when the fixes are committed: from sending the batch, or
with ``--rate`` from when it was due), and the CPU the app's processes, the database and the clients used
per 1,000 fixes. Without ``--rate`` the clients send as fast as they are answered: the figure is the most the
machine takes; with it they offer that many fixes per second on a schedule and the latency is the one at
that load.

How it scales. A batch costs a fixed part per request (authentication, one query for the waybill and its
terminal, one INSERT, one COMMIT: about 5 ms of CPU here, as much as a few hundred fixes) and a part per fix
(JSON or CSV parsing and validation in numpy; the insert into one month's partition and its three indexes:
about 10 microseconds in all).
Nothing about a vehicle is kept in a server process: the per-vehicle state is in the database, keyed by
the waybill (its fixes by (terminal, time); what incremental checking needs between batches, in a row per
waybill), so any worker may take any batch, workers can be added (threads wait on the database; processes
use more cores), and two workers racing on the same batch store each fix once. A worker holds one
connection per busy thread. The table is partitioned by month, so its indexes stay the size of a month and
old months can be detached or moved to cheaper storage without touching the live one. Batch size decides
the rate a core can take: small batches are bounded by the per-request part (see ``--batch``).

Alert latency (fix to alert, target p95 < 1 s) is to be added with the monitoring hook: the check runs in
the batch's transaction, so an alert is visible once the batch is answered; the probe will send one vehicle
off the corridor during the load and time ``GET /api/v1/alerts`` until the alert shows.

Usage: ``python bench/bench_tracking.py [--vehicles 200] [--batch 300] [--rate FIXES_S] [--seconds 20]
[--warmup 3] [--workers 2] [--threads 8] [--clients 16] [--format json|csv] [--only sqlite|postgresql]``.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.services.corridors import register_corridor  # noqa: E402
from models import GpsFix  # noqa: E402
from models.engine import make_engine  # noqa: E402
from models.types import utcnow  # noqa: E402
from tests.app.waybills.conftest import build_trip, waybill_in_transit  # noqa: E402
from tests.factories import make_vehicle  # noqa: E402
from tests.paths import DEMO_CORRIDOR, REPO  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402

FIX_INTERVAL_S = 10
SPEED_M_S = 40 / 3.6
#: Fixes made ready per second of the run without ``--rate``, beyond which clients would run dry.
HEADROOM_FIXES_S = 80_000


@dataclass
class Fleet:
    token: str
    waybills: list[str]


@dataclass
class Tally:
    """What the clients saw in the timed phase."""

    latencies_ms: list[float] = field(default_factory=list)
    fixes: int = 0
    busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def corridor_metres() -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """The demo corridor's line as local metres (x, y), its cumulative length, and the projection's origin."""
    features = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
    line = np.array(next(f for f in features if f["geometry"]["type"] == "LineString")["geometry"]["coordinates"])
    lon0, lat0 = line[0]
    x = (line[:, 0] - lon0) * 111_320 * np.cos(np.radians(lat0))
    y = (line[:, 1] - lat0) * 110_574
    return x, y, np.concatenate(([0], np.cumsum(np.hypot(np.diff(x), np.diff(y))))), lon0, lat0


def tracks(vehicles: int, fixes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times (ISO strings, shared), lon and lat (vehicles × fixes): to and fro along the corridor at 40 km/h."""
    x, y, along, lon0, lat0 = corridor_metres()
    end = pd.Timestamp(utcnow()).floor("s") - pd.Timedelta(seconds=30)
    times = pd.date_range(end=end, periods=fixes, freq=f"{FIX_INTERVAL_S}s").strftime("%Y-%m-%dT%H:%M:%SZ")
    start = np.linspace(0, 2 * along[-1], vehicles, endpoint=False)[:, None]
    travelled = (start + np.arange(fixes) * FIX_INTERVAL_S * SPEED_M_S) % (2 * along[-1])
    position = np.where(travelled > along[-1], 2 * along[-1] - travelled, travelled)  # back along the line
    lon = lon0 + np.interp(position, along, x) / (111_320 * np.cos(np.radians(lat0)))
    lat = lat0 + np.interp(position, along, y) / 110_574
    return np.asarray(times), lon.round(6), lat.round(6)


def bodies(vehicles: int, batches: int, size: int, fmt: str) -> list[list[bytes]]:
    """Per vehicle, its batches in time order, encoded."""
    times, lon, lat = tracks(vehicles, batches * size)
    encoded = []
    for v in range(vehicles):
        frame = pd.DataFrame({"time": times, "lon": lon[v], "lat": lat[v], "speed": 40.0})
        parts = [frame.iloc[b * size:(b + 1) * size] for b in range(batches)]
        if fmt == "csv":
            encoded.append([p.to_csv(index=False).encode() for p in parts])
        else:
            encoded.append([b'{"fixes": ' + p.to_json(orient="records").encode() + b"}" for p in parts])
    return encoded


def build_fleet(url: str, vehicles: int) -> Fleet:
    """The trip world of the tests, *vehicles* waybills in transit (own vehicle and terminal), a corridor."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        trip = build_trip(session)
        features = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
        corridor = register_corridor(session, {"name": "demo", "geojson": {
            "type": "FeatureCollection", "features": [f for f in features if f["properties"]["role"] != "forbidden"]}})
        waybills = []
        for n in range(vehicles):
            vehicle = trip.tanker if n == 0 else make_vehicle(session, trip.carrier, gps_terminal_id=f"0139{n:08d}")
            waybill = waybill_in_transit(session, trip, vehicle)
            waybill.corridor_id = corridor.id
            waybills.append(str(waybill.id))
        session.commit()
    engine.dispose()
    return Fleet(trip.headers["carrier"]["Authorization"].removeprefix("Bearer "), waybills)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes *pids* (and, for a PostgreSQL postmaster, its children) used."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid in pids or parent in pids:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@contextmanager
def served(url: str, workers: int, threads: int, log_dir: Path) -> Iterator[list[tuple[int, int]]]:
    """``hazledger serve`` in *workers* processes; yield their process ids and ports."""
    ports = [_free_port() for _ in range(workers)]
    env = {**os.environ, "HAZLEDGER_LOG_LEVEL": "WARNING"}
    processes = []
    for port in ports:
        log = (log_dir / f"serve-{port}.log").open("w")
        processes.append(subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "--database-url", url, "serve",
             "--port", str(port), "--threads", str(threads)], cwd=REPO, env=env, stdout=log, stderr=log))
    try:
        for port in ports:
            _wait_until_up(port)
        yield [(process.pid, port) for process, port in zip(processes, ports)]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not come up")


def drive(ports: list[int], fleet: Fleet, encoded: list[list[bytes]], args: argparse.Namespace,
          meter: Callable[[], np.ndarray]) -> tuple[Tally, float, np.ndarray]:
    """Post batches from ``args.clients`` threads until the time is up.

    With ``args.rate``, each client sends on a fixed schedule whatever the answers (an open loop, as terminals
    do) and a request's latency counts from when it was due, so time spent waiting for a late client counts
    too; without, each client sends its next batch as soon as the last is answered. Returns the tally of the
    timed phase, its length, and what *meter* (CPU seconds used so far) grew by in it.
    """
    content_type = "text/csv" if args.format == "csv" else "application/json"
    interval = args.clients * args.batch / args.rate if args.rate else 0.0  # between one client's requests
    tally = Tally()
    started = time.monotonic()
    timed_from, stop_at = started + args.warmup, started + args.warmup + args.seconds
    finished: list[float] = []
    at_start: list[np.ndarray] = []
    threading.Timer(args.warmup, lambda: at_start.append(meter())).start()

    def client(first: int) -> None:
        mine = range(first, len(fleet.waybills), args.clients)
        connections = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in ports}
        for n, (batch, vehicle) in enumerate(itertools.product(range(len(encoded[0])), mine)):
            due = started + (first / args.clients + n) * interval if interval else time.monotonic()
            if due >= stop_at:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            connection = connections[ports[vehicle % len(ports)]]
            path = f"/api/v1/waybills/{fleet.waybills[vehicle]}/track"
            while True:
                connection.request("POST", path, body=encoded[vehicle][batch], headers={
                    "Content-Type": content_type, "Authorization": f"Bearer {fleet.token}"})
                response = connection.getresponse()
                answer = response.read()
                if response.status != 503:
                    break
                with tally.lock:
                    tally.busy += 1
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}: {answer[:300]!r}")
            if due >= timed_from:
                with tally.lock:
                    tally.latencies_ms.append((time.monotonic() - due) * 1000)
                    tally.fixes += json.loads(answer)["stored"]
        finished.append(time.monotonic())

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if max(finished) < stop_at - 1:
        print(f"           (clients ran out of batches {stop_at - max(finished):.1f} s early: raise the headroom)")
    return tally, max(finished) - timed_from, meter() - at_start[0]


def bench(url: str, args: argparse.Namespace, log_dir: Path, database_pids: list[int]) -> str:
    fleet = build_fleet(url, args.vehicles)
    offered = args.rate * 1.05 or HEADROOM_FIXES_S
    batches = max(2, int(offered * (args.warmup + args.seconds) / args.vehicles / args.batch) + 1)
    encoded = bodies(args.vehicles, batches, args.batch, args.format)
    # SQLite takes one writer at a time: more threads only fight over its lock (and answer 503 when they lose).
    workers, threads = (args.workers, args.threads) if url.startswith("postgresql") else (1, 1)
    with served(url, workers, threads, log_dir) as servers:
        pids, ports = [pid for pid, _ in servers], [port for _, port in servers]

        def meter() -> np.ndarray:
            return np.array([cpu_seconds(pids), cpu_seconds(database_pids), time.process_time()])

        tally, elapsed, cpu = drive(ports, fleet, encoded, args, meter)
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(GpsFix))
    engine.dispose()
    cuts = statistics.quantiles(tally.latencies_ms, n=100, method="inclusive")
    per_1000 = cpu / tally.fixes * 1000
    return (f"fixes/s {tally.fixes / elapsed:>8,.0f}   requests/s {len(tally.latencies_ms) / elapsed:>6,.0f}   "
            f"latency p50 {statistics.median(tally.latencies_ms):>5.0f} ms  p95 {cuts[94]:>5.0f} ms  "
            f"max {max(tally.latencies_ms):>5.0f} ms\n"
            f"           ({f'{args.rate:,.0f} fixes/s offered, ' if args.rate else ''}{args.vehicles} vehicles, "
            f"batches of {args.batch} {args.format.upper()}, {workers} "
            f"worker(s) × {threads} threads, {args.clients} clients, {elapsed:.0f} s timed; CPU per 1,000 "
            f"fixes: app {per_1000[0] * 1000:.0f} ms, database {per_1000[1] * 1000:.0f} ms, clients "
            f"{per_1000[2] * 1000:.0f} ms; {stored:,} fixes in the table; {tally.busy} busy retries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--batch", type=int, default=300, help="fixes per request")
    parser.add_argument("--seconds", type=float, default=20.0, help="timed phase")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes (PostgreSQL)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per worker")
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="fixes/s the clients offer, on a schedule; 0: as many as are taken")
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "postgresql":
            print(f"sqlite     {bench(f'sqlite:///{tmp}/tracking.db', args, Path(tmp), [])}")
        bindir = find_bindir()
        if bindir is not None and args.only != "sqlite":
            server = PostgresServer(bindir, durable=True)
            server.start()
            try:
                with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as connection:
                    connection.execute("CREATE DATABASE tracking")
                print(f"postgresql {bench(server.url('tracking'), args, Path(tmp), [server.pid()])}")
            finally:
                server.stop()


if __name__ == "__main__":
    main()
