"""Benchmark ``history check`` on Dask: 1 worker against 2 on a simulated archive.

Run from the repository root: ``python bench/bench_history.py [--fixes 10000000] [--trips 20000]``; ``--quick``
is 2,000,000 fixes of 4,000 trips (trips of the same length, a fifth as many: 2.5 minutes on the shared 2-core
machine at load 14, archive included, so under 5 on a quiet one; the full size took 12-19 minutes at load 11-18,
most of it building the archive).

Builds an archive like ``history export`` writes (GeoParquet by day and terminal bucket, trip tables, manifest)
of simulated trips along the demo corridor (``geodata/demo_corridor_shanghai.geojson``, with its two forbidden
zones): a fix every 5 s, 10 m of GPS noise, one trip in ten with a 300 m detour. Then, for each worker count, a
fresh local cluster (one process per worker, one thread each) runs the same tasks ``history check`` runs
(:func:`app.history.recheck.plan_tasks` and :func:`~app.history.recheck.run_task`): the archive read, the
tracks validated and :func:`routing.checks.check_track` per trip. Printed: the wall time (cluster start-up
apart, and each worker's one-time costs: imports, the corridor loaded and prepared), fixes per second in all
and per worker, fixes per CPU second of a worker process (what the worker would do on a core of its own: the
figure a busy host distorts least) and per CPU second of the tasks themselves (the thread running them:
without the worker's event loop, heartbeats and communication, which a long wall time on a busy host
inflates, nor Arrow's reading threads), the speed-up, each worker's peak memory, and the host's load beside
them (the machine is shared: a busy host makes every figure worse, not the
code).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from app.history import layout  # noqa: E402
from app.history.cluster import ClusterSpec, dask_client, run_tasks  # noqa: E402
from app.history.export import fix_table  # noqa: E402
from app.history.recheck import corridor_key, plan_tasks, read_trips, run_task  # noqa: E402
from host import describe  # noqa: E402
from routing.checks import CheckParameters  # noqa: E402
from routing.corridors import load_corridor  # noqa: E402
from routing.projection import geometry_to_metric, to_wgs84  # noqa: E402

CORRIDOR = REPO / "geodata" / "demo_corridor_shanghai.geojson"
MONTH = "2026-01"
DAYS = 7
STEP_S = 5
SPEED_MS = 12.0
GOAL_PER_WORKER = 1_000_000


def _trip_fixes(centre: shapely.LineString, crs: object, sizes: np.ndarray, rng: np.random.Generator) -> tuple:
    """Positions of the fixes of trips with *sizes* fixes each, driving the centre line from a random start."""
    trip = np.repeat(np.arange(len(sizes)), sizes)
    step = np.arange(len(trip)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    start = rng.uniform(0, 2 * centre.length, len(sizes))[trip]
    travelled = (start + step * STEP_S * SPEED_MS) % (2 * centre.length)
    along = np.where(travelled > centre.length, 2 * centre.length - travelled, travelled)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(centre, along))
    xy += rng.normal(0.0, 10.0, xy.shape)
    detour = (trip % 10 == 0) & (step >= 100) & (step < 130)  # 150 s out to 300 m and back
    xy[detour, 0] += 300.0 * np.sin(np.pi * (step[detour] - 100) / 30)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
    return trip, step, lon, lat


def build_archive(root: Path, fixes: int, trips: int, seed: int = 1) -> dict:
    """Write a simulated month (trips spread over :data:`DAYS` days) in ``history export``'s layout."""
    rng = np.random.default_rng(seed)
    document = json.loads(CORRIDOR.read_text(encoding="utf-8"))
    corridor = load_corridor(document)
    line = next(shape(f["geometry"]) for f in document["features"] if f["geometry"]["type"] == "LineString")
    centre = geometry_to_metric(line, corridor.crs)
    folder = root / MONTH
    (folder / "corridors").mkdir(parents=True)
    corridor_id = "00000000-0000-4000-8000-000000000001"
    (folder / "corridors" / f"{corridor_id}.geojson").write_text(json.dumps(document), encoding="utf-8")
    sizes_all = np.full(trips, fixes // trips)
    sizes_all[: fixes - sizes_all.sum()] += 1
    files, trip_rows = [], []
    for day_no, ids in enumerate(np.array_split(np.arange(trips), DAYS)):  # a day at a time: bounded memory
        day = dt.date(2026, 1, 1) + dt.timedelta(days=day_no)
        sizes = sizes_all[ids]
        trip, step, lon, lat = _trip_fixes(centre, corridor.crs, sizes, rng)
        start = np.datetime64(day.isoformat(), "s") + rng.integers(0, 18 * 3600, len(ids)).astype("timedelta64[s]")
        at = start[trip] + (step * STEP_S).astype("timedelta64[s]")
        terminals = np.array([f"0139{n:08d}" for n in ids], dtype=object)
        frame = pd.DataFrame({
            "terminal_id": terminals[trip], "at": pd.DatetimeIndex(at, tz="UTC"), "lon": lon, "lat": lat,
            "speed_kph": np.nan, "waybill_id": np.array([f"w{n:08d}" for n in ids], dtype=object)[trip],
            "waybill_number": "bench", "waybill_version": 1, "corridor_id": corridor_id})
        frame["received_at"] = frame["at"]
        frame["hazard_classes"] = [["3"]] * len(frame)
        bucket = layout.buckets_of(frame["terminal_id"].to_numpy())
        for number in np.unique(bucket).tolist():
            part = frame[bucket == number].sort_values(["terminal_id", "at"])
            path = layout.part_path(day, number)
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(fix_table(part), folder / path, compression="zstd")
            files.append({"path": path, "day": day.isoformat(), "bucket": number, "rows": len(part)})
        grouped = frame.groupby(["waybill_id", "terminal_id"])["at"].agg(["min", "max", "size"]).reset_index()
        trip_rows.append(grouped)
    trips_frame = pd.concat(trip_rows, ignore_index=True)
    table = pa.Table.from_pydict({
        "waybill_id": trips_frame["waybill_id"].tolist(), "terminal_id": trips_frame["terminal_id"].tolist(),
        "bucket": layout.buckets_of(trips_frame["terminal_id"].to_numpy()),
        "first_at": trips_frame["min"], "last_at": trips_frame["max"], "fixes": trips_frame["size"],
        "corridor_id": [corridor_id] * len(trips_frame), "hazard_classes": [["3"]] * len(trips_frame),
        "holds_pass": [False] * len(trips_frame), "pass_zones": [[]] * len(trips_frame)},
        schema=layout.TRIP_SCHEMA)
    pq.write_table(table, folder / layout.TRIPS)
    manifest = {"format": layout.FORMAT, "month": MONTH, "buckets": layout.BUCKETS, "files": files,
                "rows": int(sum(f["rows"] for f in files)), "corridors": [{"id": corridor_id}]}
    (folder / layout.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return {"document": document}


def _peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh with the worker's own program
    (``ru_maxrss`` would carry over the high-water mark of the process that started it)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


def _warm(task: object) -> None:
    """A worker's one-time costs, paid before the clock starts: importing the code, loading the corridor and
    preparing what the checks derive from it (the areas, their grids and the boundary index: kept by the worker
    process, so a year on a cluster pays them once per worker, not per task), by checking one task (the
    smallest: it is checked again, timed, with the others)."""
    run_task(task)


def _timed_task(task: object, corridors: dict | None = None) -> tuple:
    """:func:`run_task`, adding the CPU time of the thread running it to its worker's tally (the task's own
    work, without the worker's event loop and communication)."""
    from distributed import get_worker

    started = time.thread_time()
    result = run_task(task, corridors)
    worker = get_worker()
    worker.bench_task_cpu_s = getattr(worker, "bench_task_cpu_s", 0.0) + time.thread_time() - started
    return result


def _task_cpu(dask_worker: object) -> float:
    return getattr(dask_worker, "bench_task_cpu_s", 0.0)


def measure(archive: Path, document: dict, workers: int) -> dict:
    """One fresh local cluster of *workers* processes: the tasks' wall time and the workers' peak memory."""
    first, last = dt.date(2026, 1, 1), dt.date(2026, 1, DAYS)
    trips, manifests = read_trips(archive, first, last)
    key = corridor_key(document)
    tasks = plan_tasks(trips, manifests, archive, {key: document}, {w: key for w in trips["waybill_id"]},
                       CheckParameters(), workers=workers)
    started = time.perf_counter()
    with dask_client(ClusterSpec(workers=workers)) as client:
        client.wait_for_workers(workers)
        client.run(_warm, tasks[-1])
        up = time.perf_counter() - started
        cpu = client.run(time.process_time)
        began = time.perf_counter()
        episodes, checked = run_tasks(client, tasks, progress=False, function=_timed_task)
        wall = time.perf_counter() - began
        used = [t - cpu[w] for w, t in client.run(time.process_time).items()]
        task_cpu = list(client.run(_task_cpu).values())
        peaks = sorted(client.run(_peak_rss_mb).values())
    return {"workers": workers, "tasks": len(tasks), "startup_s": up, "wall_s": wall, "cpu_s": used,
            "task_cpu_s": task_cpu,
            "fixes": int(checked["fixes"].sum()), "trips": len(checked), "episodes": len(episodes),
            "errors": int(checked["error"].notna().sum()), "peak_mb": peaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=int, default=10_000_000)
    parser.add_argument("--trips", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2", help="Worker counts to compare, e.g. 1,2")
    parser.add_argument("--quick", action="store_true", help="2,000,000 fixes of 4,000 trips")
    args = parser.parse_args()
    if args.quick:
        args.fixes, args.trips = 2_000_000, 4_000
    print(f"{describe()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        started = time.perf_counter()
        built = build_archive(Path(tmp), args.fixes, args.trips)
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet"))
        print(f"archive: {args.fixes:,} fixes of {args.trips:,} trips over {DAYS} days, "
              f"{size / 1e6:.0f} MB of GeoParquet, built in {time.perf_counter() - started:.0f} s", flush=True)
        results = []
        for workers in (int(w) for w in args.workers.split(",")):
            result = measure(Path(tmp), built["document"], workers)
            results.append(result)
            rate = result["fixes"] / result["wall_s"]
            print(f"{workers} worker(s): {result['tasks']} tasks, {result['trips']:,} trips, {result['fixes']:,} fixes,"
                  f" {result['episodes']:,} episodes ({result['errors']} trips not checkable) in "
                  f"{result['wall_s']:.1f} s (cluster start {result['startup_s']:.1f} s): {rate:,.0f} fixes/s, "
                  f"{rate / workers:,.0f} fixes/s per worker; per worker CPU second "
                  f"{result['fixes'] / sum(result['cpu_s']):,.0f} fixes (CPU "
                  f"{', '.join(f'{c:.1f}' for c in result['cpu_s'])} s), per CPU second of the tasks themselves "
                  f"{result['fixes'] / sum(result['task_cpu_s']):,.0f} fixes (CPU "
                  f"{', '.join(f'{c:.1f}' for c in result['task_cpu_s'])} s); peak memory per worker "
                  f"{', '.join(f'{p:.0f}' for p in result['peak_mb'])} MB; "
                  f"load average now {os.getloadavg()[0]:.1f}", flush=True)
        if len(results) > 1:
            base = results[0]
            for other in results[1:]:
                print(f"speed-up {base['workers']} → {other['workers']} workers: "
                      f"{base['wall_s'] / other['wall_s']:.2f}x (goal ≥ 1.8 at 2); on cores of their own about "
                      f"{sum(base['cpu_s']) / max(other['cpu_s']):.2f}x (the CPU one worker needed over that of the "
                      f"busiest of {other['workers']}, scheduling gaps aside)")
        least = min(r["fixes"] / sum(r["cpu_s"]) for r in results)
        print(f"goal per worker ≥ {GOAL_PER_WORKER:,} fixes/s: per worker CPU second here {least:,.0f} at the least"
              f" ({'met' if least >= GOAL_PER_WORKER else 'not met'}), per CPU second of the tasks "
              f"{min(r['fixes'] / sum(r['task_cpu_s']) for r in results):,.0f}, per worker of wall time "
              f"{min(r['fixes'] / r['wall_s'] / r['workers'] for r in results):,.0f} (a shared host's share of "
              f"a core); peak memory per worker at most {max(max(r['peak_mb']) for r in results):.0f} MB")
    print(describe())


if __name__ == "__main__":
    main()
