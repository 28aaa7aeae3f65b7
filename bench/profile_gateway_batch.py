"""One gateway batch under the profiler: where storing terminals' positions with the live checks spends its time.

Builds ``--terminals`` vehicles on waybills in transit on the demo corridor (registered terminals, as
``bench_gateway.py``'s fleet) in a throw-away PostgreSQL, then stores ``--batches`` batches of ``--fixes`` fixes
per terminal through :func:`app.services.terminal_feed.store_activity`, the gateway's storing function. The
first batch of each trip is not timed (it creates the trips' states and their departure checks); the others
are, and the last runs under cProfile. Printed per batch: seconds, the CPU seconds of this process (the app) and
of PostgreSQL, positions per CPU second of both (on a loaded machine the wall time says little), the SQL
statements (an executemany counts once); then the profile's top functions by cumulative and by own time.

Usage: ``python bench/profile_gateway_batch.py [--terminals 5000] [--fixes 2] [--batches 3] [--top 30]``.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import psycopg  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from app.gateway import messages as m  # noqa: E402
from bench_gateway import build_fleet, positions  # noqa: E402
from serving import cpu_seconds  # noqa: E402
from models import Terminal, Vehicle  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402


def activities(numbers: list[str], vehicles: dict[str, object], lon, lat, first: int, fixes: int,
               t0: dt.datetime) -> list:
    """Each terminal's next *fixes* locations, from fix number *first*, one a second from *t0*."""
    from app.services.terminal_feed import Activity

    batch = []
    for n, number in enumerate(numbers):
        activity = Activity(number, vehicles[number], messages=1, last_message_id=m.BATCH,
                            last_message_at=t0 + dt.timedelta(seconds=first + fixes))
        activity.locations = [m.Location(alarm=0, status=m.STATUS_FIXED, lat=float(lat[n, k]), lon=float(lon[n, k]),
                                         altitude_m=0, speed_kph=40.0, heading=0,
                                         at=t0 + dt.timedelta(seconds=k)) for k in range(first, first + fixes)]
        batch.append(activity)
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=5000)
    parser.add_argument("--fixes", type=int, default=2, help="fixes per terminal per batch")
    parser.add_argument("--batches", type=int, default=4, help="batches stored (the first creates the states)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    server = PostgresServer(find_bindir())
    server.start()
    try:
        with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute("CREATE DATABASE profile")
        url = server.url("profile")
        began = time.perf_counter()
        numbers = build_fleet(url, args.terminals)
        print(f"fleet of {len(numbers)} built in {time.perf_counter() - began:.0f} s")
        run(url, numbers, args, server.pid())
    finally:
        server.stop()


def run(url: str, numbers: list[str], args: argparse.Namespace, database: int) -> None:
    from app import create_app
    from app.extensions import db
    from app.services.terminal_feed import store_activity
    from models.engine import expecting_writes

    app = create_app({"DATABASE_URL": url})
    with app.app_context(), expecting_writes():
        session = db.session
        vehicles = dict(session.execute(select(Vehicle.gps_terminal_id, Vehicle.id)
                                        .where(Vehicle.gps_terminal_id.in_(numbers))).all())
        session.execute(insert(Terminal), [{"terminal_id": t, "vehicle_id": vehicles[t], "alarm_flags": 0,
                                            "alarm_since": {}, "messages": 0, "auth_code": "x", "edition": 2013}
                                           for t in numbers])
        session.commit()
        statements = [0]
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
        total = args.fixes * args.batches
        lon, lat = positions(len(numbers), total)
        t0 = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(seconds=total + 60)
        for b in range(args.batches):
            batch = activities(numbers, vehicles, lon, lat, b * args.fixes, args.fixes, t0)
            profiler = cProfile.Profile() if b == args.batches - 1 else None
            statements[0], start = 0, time.perf_counter()
            app_cpu, database_cpu = time.process_time(), cpu_seconds([database])
            if profiler:
                profiler.enable()
            totals = store_activity(session, batch)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
            app_cpu, database_cpu = time.process_time() - app_cpu, cpu_seconds([database]) - database_cpu
            count = len(numbers) * args.fixes
            print(f"batch {b}{' (first: states created)' if b == 0 else ''}"
                  f"{' (profiled)' if profiler else ''}: {count} positions, {seconds:.2f} s, "
                  f"CPU app {app_cpu:.2f} s + database {database_cpu:.2f} s = "
                  f"{count / max(app_cpu + database_cpu, 1e-9):,.0f} positions per CPU second, "
                  f"{statements[0]} SQL statements; {totals}; load average {os.getloadavg()[0]:.1f}")
        per_vehicle(profiler, len(numbers), args.top)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())


def per_vehicle(profiler: cProfile.Profile, vehicles: int, top: int) -> None:
    """The app's functions by their cumulative time per vehicle of the profiled batch (µs), the costliest first."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(((cumulative, calls, f"{Path(file).relative_to(REPO)}:{line}({name})")
                   for (file, line, name), (_, calls, _, cumulative, _) in stats.items()
                   if file.startswith(str(REPO / "app"))), reverse=True)
    print(f"per vehicle ({vehicles} in the batch), the app's functions by cumulative time:")
    for cumulative, calls, where in rows[:top]:
        print(f"  {cumulative / vehicles * 1e6:8.0f} µs  {calls / vehicles:6.2f} calls  {where}")


if __name__ == "__main__":
    main()
