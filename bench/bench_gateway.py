"""JT/T 808 gateway (issue 21): a fleet of simulated terminals connecting at once, positions end to end.

What runs (PostgreSQL, a throw-away durable server as bench_tracking.py's; or SQLite with ``--only sqlite``):

- ``hazledger gateway`` in a process of its own (``--interval`` seconds of reports stored together);
- ``--terminals`` vehicles, each with its own terminal and a waybill in transit on the demo corridor (live
  checks: corridor, zones, sites, speed, gaps), driving to and fro along it at 40 km/h, one fix a second of
  its own clock (the BCD time has whole seconds);
- in this process, one asyncio client per terminal: all connect at once, register, authenticate, then every
  ``--every`` seconds each sends its next ``--batch`` fixes (one 0x0200, or a 0x0704 of them) and waits for
  the 0x8001. A terminal's clock starts far enough back that its last fix is not in the future: like a fleet
  catching up, every fix is new and checked.

Printed: terminals connected (authenticated, at once), positions acknowledged and stored per second over
``--seconds`` after ``--warmup`` (stored: rows added to ``gps_fixes``, so end to end into the database with
the live checks) against the 20,000 positions/s aimed at, the 0x8001 latency p50 / p95 / max (from sending a
report to its answer: the answer comes once the report is queued, or later when the gateway's queue is full and
holds the connection), and the CPU the gateway, the database and the clients used per 1,000 positions: the
share that saturates first is the limit.

Usage: ``python bench/bench_gateway.py [--quick] [--terminals 5000] [--every 5] [--batch 20] [--seconds 20]
[--warmup 5] [--interval 0.5] [--processes N] [--only sqlite|postgresql]``; ``--processes``: the gateway's
(``hazledger gateway --processes``), one per core by default. ``--quick``: 1,000 terminals, each 20 fixes a
second (the same 20,000 positions/s offered), 15 s timed after 25 s of warm-up (each trip's first batch creates
its state and its departure checks): under 3 minutes on two free cores.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.gateway import messages as m  # noqa: E402
from app.gateway.simulator import Fix, SimulatedTerminal, batch_body, location_body  # noqa: E402
from app.services.corridors import register_corridor  # noqa: E402
from bench_tracking import SPEED_M_S, corridor_metres  # noqa: E402
from models import GpsFix  # noqa: E402
from models.engine import make_engine  # noqa: E402
from serving import cpu_seconds  # noqa: E402
from tests.app.waybills.conftest import build_trip, waybill_in_transit  # noqa: E402
from tests.factories import make_vehicle  # noqa: E402
from tests.paths import DEMO_CORRIDOR  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402


#: Locations in one 0x0704 without sub-packages: 1,023 bytes of body, 33 bytes each (length, basic, satellites).
MAX_BATCH = 30
#: Positions a second the issue asks the gateway to store with the live checks.
GOAL = 20_000


def build_fleet(url: str, terminals: int) -> list[str]:
    """*terminals* vehicles each on a waybill in transit on the demo corridor; their terminal numbers."""
    import json

    migrate.upgrade(url)
    engine = make_engine(url)
    numbers = []
    with Session(engine) as session:
        trip = build_trip(session)
        features = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
        corridor = register_corridor(session, {"name": "demo", "geojson": {
            "type": "FeatureCollection", "features": [f for f in features if f["properties"]["role"] != "forbidden"]}})
        for n in range(terminals):
            number = f"0138{n:08d}"
            waybill = waybill_in_transit(session, trip, make_vehicle(session, trip.carrier, gps_terminal_id=number))
            waybill.corridor_id = corridor.id
            numbers.append(number)
            if n % 500 == 499:
                session.commit()
        session.commit()
    engine.dispose()
    return numbers


def positions(terminals: int, fixes: int) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat (terminals × fixes), a fix a second at 40 km/h along the corridor, each from its own start."""
    x, y, along, lon0, lat0 = corridor_metres()
    start = np.linspace(0, 2 * along[-1], terminals, endpoint=False)[:, None]
    travelled = (start + np.arange(fixes) * SPEED_M_S) % (2 * along[-1])
    where = np.where(travelled > along[-1], 2 * along[-1] - travelled, travelled)
    lon = lon0 + np.interp(where, along, x) / (111_320 * np.cos(np.radians(lat0)))
    return lon.round(6), (lat0 + np.interp(where, along, y) / 110_574).round(6)


class Run:
    """The client side: terminals, their clocks, what they saw."""

    def __init__(self, numbers: list[str], args: argparse.Namespace):
        self.numbers, self.args = numbers, args
        total = int((args.seconds + args.warmup + 10) / args.every + 2) * args.batch
        self.lon, self.lat = positions(len(numbers), total)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self.t0 = now - dt.timedelta(seconds=total + 60)
        self.latencies: list[float] = []
        self.acked = 0
        self.failed = 0
        self.timing = False

    async def terminal(self, n: int, host: str, port: int, ready: asyncio.Event, connected: list[int],
                       stop_at: float) -> None:
        terminal = SimulatedTerminal(self.numbers[n])
        try:
            await terminal.connect(host, port)
            result, code = await terminal.register()
            if result is not m.RegisterResult.SUCCESS or await terminal.authenticate(code) is not m.Result.SUCCESS:
                return
            connected[0] += 1
            await ready.wait()
            loop, k = asyncio.get_running_loop(), 0
            await asyncio.sleep(self.args.every * n / len(self.numbers))  # spread over the period
            while loop.time() < stop_at:
                due = loop.time() + self.args.every
                fixes = [Fix(self.t0 + dt.timedelta(seconds=k + i), float(self.lon[n, k + i]),
                             float(self.lat[n, k + i]), 40.0) for i in range(self.args.batch)]
                k += self.args.batch
                body = location_body(fixes[0]) if len(fixes) == 1 else batch_body(fixes, kind=0)
                sent = loop.time()
                answer = await terminal.send(m.LOCATION if len(fixes) == 1 else m.BATCH, body)
                if self.timing:
                    self.latencies.append(loop.time() - sent)
                    if m.decode_general_answer(answer.body)[2] is m.Result.SUCCESS:
                        self.acked += len(fixes)
                    else:
                        self.failed += len(fixes)
                await asyncio.sleep(max(0.0, due - loop.time()))
        finally:
            await terminal.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def drive(url: str, numbers: list[str], args: argparse.Namespace, database_pids: list[int]) -> str:
    port = _free_port()
    log = open(Path(tempfile.gettempdir()) / f"gateway-bench-{port}.log", "w")
    command = [str(Path(sys.executable).parent / "hazledger"), "--database-url", url, "gateway", "--host",
               "127.0.0.1", "--port", str(port), "--interval", str(args.interval), "--log-every", "10",
               "--processes", str(args.processes)]
    gateway = subprocess.Popen(command,
                               cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        run, ready, connected = Run(numbers, args), asyncio.Event(), [0]
        loop = asyncio.get_running_loop()
        began = loop.time()
        stop_at = began + 3600
        tasks = [asyncio.create_task(run.terminal(n, "127.0.0.1", port, ready, connected, stop_at))
                 for n in range(len(numbers))]
        while connected[0] < len(numbers) and loop.time() - began < 300 and not all(t.done() for t in tasks):
            await asyncio.sleep(0.2)
        connect_s = loop.time() - began
        ready.set()
        await asyncio.sleep(args.warmup)
        engine = make_engine(url)

        def stored() -> int:
            with Session(engine) as session:
                return session.scalar(select(func.count()).select_from(GpsFix))

        pids = [gateway.pid, *database_pids]
        before, cpu_before, mine_before = stored(), cpu_seconds(pids), time.process_time()
        run.timing, start = True, time.perf_counter()
        await asyncio.sleep(args.seconds)
        run.timing = False
        elapsed = time.perf_counter() - start
        after, cpu_after, mine = stored(), cpu_seconds(pids), time.process_time() - mine_before
        gateway_cpu = cpu_seconds([gateway.pid]) if not database_pids else None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        engine.dispose()
        rows = after - before
        lat = np.array(run.latencies) * 1000 if run.latencies else np.zeros(1)
        per_k = 1000 / max(rows, 1)
        offered = len(numbers) * args.batch / args.every
        return (f"{args.processes} gateway process{'es' if args.processes > 1 else ''}, "
                f"{connected[0]} terminals connected in {connect_s:.1f} s; {offered:,.0f} positions/s offered, "
                f"{run.acked / elapsed:,.0f}/s acknowledged, {rows / elapsed:,.0f}/s stored in gps_fixes with "
                f"live checks ({rows / elapsed / GOAL:.0%} of the {GOAL:,}/s goal; {run.failed} refused); "
                f"0x8001 latency p50 {np.percentile(lat, 50):.0f} ms, "
                f"p95 {np.percentile(lat, 95):.0f} ms, max {lat.max():.0f} ms; CPU per 1,000 positions: "
                f"gateway+database {(cpu_after - cpu_before) * per_k * 1000:.0f} ms, clients "
                f"{mine * per_k * 1000:.0f} ms"
                + ("" if gateway_cpu is None else f" (gateway total {gateway_cpu:.0f} s)")
                + f"; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
                + f"; log {log.name}")
    finally:
        gateway.terminate()  # a graceful stop: it stores and answers what it read
        try:
            gateway.wait(timeout=600)
        except subprocess.TimeoutExpired:
            gateway.kill()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=5000)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between a terminal's reports")
    parser.add_argument("--batch", type=int, default=20, help="fixes per report (1: 0x0200, more: 0x0704)")
    parser.add_argument("--seconds", type=float, default=20.0, help="timed phase")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--interval", type=float, default=0.5, help="the gateway's batching interval")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="gateway processes on the port (default: one per core)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--quick", action="store_true",
                        help="1,000 terminals reporting 20 fixes a second each, 15 s timed (under 3 minutes)")
    args = parser.parse_args()
    if args.quick:
        args.terminals, args.every, args.seconds, args.warmup = 1000, 1.0, 15.0, 25.0  # warm-up: the first batches
    if not 1 <= args.batch <= MAX_BATCH:
        parser.error(f"--batch: 1 to {MAX_BATCH} (a message body has at most 1,023 bytes)")
    with tempfile.TemporaryDirectory() as tmp:
        bindir = find_bindir()
        if args.only == "sqlite" or bindir is None:
            url = f"sqlite:///{tmp}/gateway.db"
            print(f"sqlite     {asyncio.run(drive(url, build_fleet(url, args.terminals), args, []))}")
            return
        server = PostgresServer(bindir, durable=True)
        server.start()
        try:
            with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as connection:
                connection.execute("CREATE DATABASE gateway")
            url = server.url("gateway")
            numbers = build_fleet(url, args.terminals)
            print(f"postgresql {asyncio.run(drive(url, numbers, args, [server.pid()]))}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
