"""GPS ingestion speed (issue 7): sustained fixes/s through the HTTP API with the live checks, and latency.

What runs, per backend (a throw-away PostgreSQL server started like the tests', but durable: fsync and
synchronous commit on, so a batch answered 200 is on disk; and/or a SQLite file):

- the real server: ``hazledger serve`` (waitress, ``--threads`` threads) in ``--workers`` processes, each on
  its own loopback port;
- ``--vehicles`` waybills in transit, each with its own vehicle and GPS terminal and the demo corridor
  attached; each vehicle drives to and fro along the corridor at 40 km/h with a fix every 10 s, ending now;
  every batch is checked live (corridor, sites, speed, gaps) in the transaction that stores it;
- client threads post the vehicles' batches of ``--batch`` fixes (JSON, or CSV with ``--format csv``; bodies
  encoded beforehand) over keep-alive connections, each vehicle's batches in time order: one vehicle a request
  to ``POST /api/v1/waybills/{id}/track``, or with ``--multi N`` the batches of N vehicles in one request to
  the carrier platform's feed ``POST /api/v1/track`` (fixes naming their waybill, interleaved by time). A
  sender (vehicle, or group) always goes to worker n mod W, as a load balancer hashing on it would; there are
  at most as many clients as senders. A 503 (SQLite busy) is retried and counted;
- the latency probe: one more vehicle, outside the load, whose batch goes 600 m off the corridor every
  ``--probe-every`` seconds (4 fixes back on it, then 10 off: a new deviation episode each time); from sending
  it, ``GET /api/v1/alerts?waybill=…&kind=deviation`` is polled until the new alert shows, and a supervisor's
  SSE stream (``/api/v1/alerts/stream``, on the first worker: woken by the commit, or after its poll interval
  ``--stream-poll``, the app's 0.5 s) is read until the alert's ``opened`` event arrives. With an odd
  ``--vehicles`` the probe's worker is not the stream's (two workers).

Printed: fixes stored per second over ``--seconds`` after ``--warmup`` seconds, requests per second, the
request latency p50 / p95 / max (until the answer, when the fixes are committed and checked: from sending the
batch, or with ``--rate`` from when it was due), the CPU the app's processes, the database and the clients used
per 1,000 fixes, and fix → alert p50 / p95 / max by GET and by the stream. Without ``--rate`` the clients send
as fast as they are answered: the figure is the most the machine takes (and latencies are those of a saturated
server, queueing included); with it they offer that many fixes per second on a schedule and the latencies are
the ones at that load.

How it scales. A request costs a fixed part (authentication, one query for the waybills and their terminals,
the INSERT of all its fixes, the trip states locked in one query and written back in one, a few queries for
what the trips are checked against, the COMMIT: about 7 ms of app CPU here), a part per vehicle in it (its
fixes validated and checked against its own trip with its state's open runs in front: about 0.7 ms) and a part
per fix (parsing and numpy validation, about 10 microseconds in the app; the insert into one month's partition
and its indexes, with the rest of the transaction, about 20 microseconds of PostgreSQL). Measured on this
2-core machine while another engineer's test suite kept it busy (load averages 3.5-7), PostgreSQL, 2 workers x
8 threads, with the live checks:

- one vehicle a request: 300-fix batches 23,600-26,600 fixes/s (app 42-45 ms + database 17-18 ms of CPU per
  1,000 fixes); 30-fix batches 4,200-5,600 fixes/s (app 249-333 ms: the request is the cost);
- the feed, 20 vehicles x 30 fixes a request: 24,300-28,500 fixes/s JSON (app 45-53 + database 16-19 ms),
  27,700 CSV; 50 vehicles x 30 fixes (800 vehicles): 29,500 fixes/s (app 36 + database 11 ms);
- offered 20,000 fixes/s (``--rate 20000 --seconds 25``, 24 probes): sustained 19,994 with request p95
  68-201 ms (feed, 20 x 30) and 48 ms (300-fix batches); fix -> alert p95 85-161 ms and 128 ms by GET,
  67-90 ms on the SSE stream, woken by the commit (353-567 ms and 554 ms when it waited for its 0.5 s poll);
  a saturated server queues: fix -> alert p95 0.3-1.1 s by GET at the limits above.

Per-vehicle state and where it lives: nothing about a vehicle is kept in a server process. Its fixes are in the
table under (terminal, time); what incremental checking needs between batches (the newest fix checked, the last
half minute of fixes, the open run of each check) is a ``trip_states`` row per waybill, locked ``FOR UPDATE``
while a batch is checked; alerts are rows keyed by their episode. A process only caches what never changes
(loaded corridor geometry by corridor and active zones, a waybill version's hazard classes). So any worker may
take any batch of any vehicle, and workers can be added: threads overlap waits on the database, processes use
more cores (each holds one connection per busy thread). Two batches of one trip serialise on its state row;
batches naming the same vehicles in any order insert their fixes in (terminal, time) order and lock the states
in waybill order, so they never deadlock, and two workers racing on the same batch store each fix once. Small
batches are bounded by the per-request part: a carrier platform should forward many vehicles per request (the
feed), a terminal posting alone a few hundred fixes at a time. The table is partitioned by month, so its
indexes stay the size of a month and old months can be detached without touching the live one.

Usage: ``python bench/bench_tracking.py [--vehicles 200] [--batch 300] [--multi N] [--rate FIXES_S]
[--seconds 20] [--warmup 3] [--workers 2] [--threads 8] [--clients 16] [--format json|csv] [--probe-every 1]
[--stream-poll S] [--only sqlite|postgresql]``; wrap it in ``flock /tmp/hazledger-bench.lock`` on a shared
machine.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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
from serving import cpu_seconds, served  # noqa: E402
from tests.paths import DEMO_CORRIDOR  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402

FIX_INTERVAL_S = 10
SPEED_M_S = 40 / 3.6
#: Fixes made ready per second of the run without ``--rate``, beyond which clients would run dry.
HEADROOM_FIXES_S = 80_000
#: The probe's track starts this many hours ago, far enough back for an hour of probes.
PROBE_HOURS = 3


@dataclass
class Fleet:
    token: str
    waybills: list[str]
    supervisor: str = ""
    probe: str = ""


@dataclass
class Tally:
    """What the clients saw in the timed phase."""

    latencies_ms: list[float] = field(default_factory=list)
    fixes: int = 0
    busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    probe: Probe | None = None


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


def bodies(fleet: Fleet, batches: int, size: int, fmt: str, multi: int) -> list[list[bytes]]:
    """Per sender, its batches in time order, encoded: a sender is one vehicle (``/waybills/{id}/track``), or
    with *multi* a group of that many vehicles whose batches of one period go in one request (``/track``,
    each fix naming its waybill, the vehicles' fixes interleaved by time as a platform forwards them)."""
    vehicles = len(fleet.waybills)
    times, lon, lat = tracks(vehicles, batches * size)
    frames = [pd.DataFrame({"time": times, "lon": lon[v], "lat": lat[v], "speed": 40.0}) for v in range(vehicles)]
    if multi:
        groups = [range(g, min(g + multi, vehicles)) for g in range(0, vehicles, multi)]
        frames = [pd.concat([frames[v].assign(waybill=fleet.waybills[v]) for v in group]).sort_index(kind="stable")
                  for group in groups]
    encoded = []
    for frame in frames:
        rows = len(frame) // batches
        parts = [frame.iloc[b * rows:(b + 1) * rows] for b in range(batches)]
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
        for n in range(vehicles + 1):  # the last one is the latency probe's, outside the load
            vehicle = trip.tanker if n == 0 else make_vehicle(session, trip.carrier, gps_terminal_id=f"0139{n:08d}")
            waybill = waybill_in_transit(session, trip, vehicle)
            waybill.corridor_id = corridor.id
            waybills.append(str(waybill.id))
        waybill.departed_at = utcnow() - pd.Timedelta(hours=PROBE_HOURS)  # the probe's first fix is that old
        session.commit()
    engine.dispose()
    token = {role: trip.headers[role]["Authorization"].removeprefix("Bearer ") for role in ("carrier", "supervisor")}
    return Fleet(token["carrier"], waybills[:-1], token["supervisor"], waybills[-1])


class Probe:
    """Fix to alert latency: a vehicle outside the load goes off the corridor every *every* seconds.

    Each probe batch is 4 fixes back on the corridor's centre line (ending the last episode) then 10 fixes
    600 m off it, 10 s apart (lasting the 3 fixes and 60 s a deviation needs); the clock of its track runs
    on from batch to batch, in the past. From sending it, ``GET /api/v1/alerts?waybill=…&kind=deviation`` is
    polled until the new alert shows, and the supervisors' SSE stream is read until its ``opened`` event comes.
    """

    def __init__(self, ports: list[int], fleet: Fleet, every: float):
        self.fleet, self.every = fleet, every
        self.port = ports[len(fleet.waybills) % len(ports)]  # where the load balancer would send it
        self.stream_port = ports[0]
        self.sent: list[float] = []
        self.polled_ms: list[float] = []
        self.streamed: list[float] = []
        x, y, _, lon0, lat0 = corridor_metres()
        k = len(x) // 2
        nx, ny = -(y[k + 1] - y[k]), x[k + 1] - x[k]  # the normal of a segment in the middle
        scale = 600 / np.hypot(nx, ny)
        to_deg = np.array([1 / (111_320 * np.cos(np.radians(lat0))), 1 / 110_574])
        self.on = np.array([lon0, lat0]) + np.array([x[k], y[k]]) * to_deg
        self.off = self.on + np.array([nx, ny]) * scale * to_deg
        self.clock = pd.Timestamp(utcnow()).floor("s") - pd.Timedelta(hours=PROBE_HOURS - 0.5)

    def batch(self) -> bytes:
        fixes = []
        for n in range(14):
            self.clock += pd.Timedelta(seconds=FIX_INTERVAL_S)
            lon, lat = self.on if n < 4 else self.off + n * 1e-6
            fixes.append({"time": self.clock.isoformat(), "lon": round(float(lon), 6), "lat": round(float(lat), 6),
                          "speed": 40.0})
        return json.dumps({"fixes": fixes}).encode()

    def run(self, timed_from: float, stop_at: float) -> None:
        poster = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        getter = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.fleet.token}"}
        query = f"/api/v1/alerts?waybill={self.fleet.probe}&kind=deviation&page_size=100"
        time.sleep(max(0.0, timed_from - time.monotonic()))
        while (tick := time.monotonic()) + 1 < stop_at:
            body = self.batch()
            sent = time.monotonic()
            poster.request("POST", f"/api/v1/waybills/{self.fleet.probe}/track", body=body,
                           headers={**headers, "Content-Type": "application/json"})
            answer = poster.getresponse()
            if answer.status != 200:
                raise SystemExit(f"probe: HTTP {answer.status}: {answer.read()[:300]!r}")
            answer.read()
            self.sent.append(sent)
            while time.monotonic() - sent < 10:
                getter.request("GET", query, headers=headers)
                if len(json.loads(getter.getresponse().read())) >= len(self.sent):
                    self.polled_ms.append((time.monotonic() - sent) * 1000)
                    break
                time.sleep(0.025)
            time.sleep(max(0.0, tick + self.every - time.monotonic()))

    def listen(self, until: float) -> None:
        """Read the SSE stream (as a supervisor's screen does) and note when each probe's alert opens."""
        connection = http.client.HTTPConnection("127.0.0.1", self.stream_port, timeout=30)
        connection.request("GET", "/api/v1/alerts/stream",
                           headers={"Authorization": f"Bearer {self.fleet.supervisor}"})
        stream = connection.getresponse()
        while time.monotonic() < until and (line := stream.readline()):
            if line.startswith(b"data: "):
                data = json.loads(line[6:])
                if (data["waybill_id"], data["kind"], data["change"]) == (self.fleet.probe, "deviation", "opened"):
                    self.streamed.append(time.monotonic())

    def summary(self) -> str:
        streamed_ms = [(seen - sent) * 1000 for sent, seen in zip(self.sent, self.streamed)]
        parts = []
        for name, values in (("GET /alerts", self.polled_ms), ("SSE stream", streamed_ms)):
            if len(values) >= 2:
                cuts = statistics.quantiles(values, n=100, method="inclusive")
                parts.append(f"{name} p50 {statistics.median(values):>4.0f} ms  p95 {cuts[94]:>4.0f} ms  "
                             f"max {max(values):>4.0f} ms")
        return (f"fix→alert ({len(self.sent)} probes, one every {self.every:g} s): " + ";  ".join(parts)
                + (f"  [{len(self.sent) - len(self.polled_ms)} not seen within 10 s]"
                   if len(self.polled_ms) < len(self.sent) else ""))


def drive(ports: list[int], fleet: Fleet, encoded: list[list[bytes]], args: argparse.Namespace,
          meter: Callable[[], np.ndarray]) -> tuple[Tally, float, np.ndarray]:
    """Post batches from ``args.clients`` threads until the time is up.

    With ``args.rate``, each client sends on a fixed schedule whatever the answers (an open loop, as terminals
    do) and a request's latency counts from when it was due, so time spent waiting for a late client counts
    too; without, each client sends its next batch as soon as the last is answered. Returns the tally of the
    timed phase, its length, and what *meter* (CPU seconds used so far) grew by in it.
    """
    content_type = "text/csv" if args.format == "csv" else "application/json"
    per_request = args.batch * (args.multi or 1)
    clients = min(args.clients, len(encoded))  # a client needs a sender (vehicle, or group of them) of its own
    interval = clients * per_request / args.rate if args.rate else 0.0  # between one client's requests
    tally = Tally()
    started = time.monotonic()
    timed_from, stop_at = started + args.warmup, started + args.warmup + args.seconds
    finished: list[float] = []
    at_start: list[np.ndarray] = []
    threading.Timer(args.warmup, lambda: at_start.append(meter())).start()

    def client(first: int) -> None:
        mine = range(first, len(encoded), clients)
        connections = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in ports}
        for n, (batch, sender) in enumerate(itertools.product(range(len(encoded[0])), mine)):
            due = started + (first / clients + n) * interval if interval else time.monotonic()
            if due >= stop_at:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            connection = connections[ports[sender % len(ports)]]
            path = "/api/v1/track" if args.multi else f"/api/v1/waybills/{fleet.waybills[sender]}/track"
            while True:
                connection.request("POST", path, body=encoded[sender][batch], headers={
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

    probe = Probe(ports, fleet, args.probe_every)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads += [threading.Thread(target=probe.run, args=(timed_from, stop_at)),
                threading.Thread(target=probe.listen, args=(stop_at + 2,), daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads[:-1]:
        thread.join()
    tally.probe = probe
    if max(finished) < stop_at - 1:
        print(f"           (clients ran out of batches {stop_at - max(finished):.1f} s early: raise the headroom)")
    return tally, max(finished) - timed_from, meter() - at_start[0]


def bench(url: str, args: argparse.Namespace, log_dir: Path, database_pids: list[int]) -> str:
    fleet = build_fleet(url, args.vehicles)
    offered = args.rate * 1.05 or HEADROOM_FIXES_S
    batches = max(2, int(offered * (args.warmup + args.seconds) / args.vehicles / args.batch) + 1)
    encoded = bodies(fleet, batches, args.batch, args.format, args.multi)
    # SQLite takes one writer at a time: more threads only fight over its lock (and answer 503 when they lose).
    workers, threads = (args.workers, args.threads) if url.startswith("postgresql") else (1, 1)
    stream_env = {} if args.stream_poll is None else {"HAZLEDGER_ALERT_STREAM_POLL_S": str(args.stream_poll)}
    with served(url, workers, threads, log_dir, stream_env) as servers:
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
            f"batches of {args.batch} {args.format.upper()}"
            f"{f' × {args.multi} vehicles a request to /track' if args.multi else ''}, {workers} "
            f"worker(s) × {threads} threads, {min(args.clients, len(encoded))} clients, {elapsed:.0f} s timed; "
            f"CPU per 1,000 fixes: app {per_1000[0] * 1000:.0f} ms, database {per_1000[1] * 1000:.0f} ms, clients "
            f"{per_1000[2] * 1000:.0f} ms; {stored:,} fixes in the table; {tally.busy} busy retries)\n"
            f"           {tally.probe.summary()}")


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
    parser.add_argument("--multi", type=int, default=0,
                        help="vehicles per request, posted to the feed POST /api/v1/track (0: one per request)")
    parser.add_argument("--probe-every", type=float, default=1.0, help="seconds between fix→alert probes")
    parser.add_argument("--stream-poll", type=float, help="the servers' ALERT_STREAM_POLL_S (default: the app's 0.5)")
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
