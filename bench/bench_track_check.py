"""Benchmark the track check: per-fix stage throughput, naive-loop ratio, end-to-end CLI on 1,000,000 fixes.

Run from the repository root: ``python bench/bench_track_check.py [--fixes 1000000] [--end-to-end]``
(``--end-to-end``: only the start-up and ``route check`` of the three CSVs, about a minute on a quiet machine).
Uses the demo corridor ``geodata/demo_corridor_shanghai.geojson`` (a 7.3 km corridor with two forbidden zones)
and a generated drive along it: 1 Hz fixes, 10 m GPS noise, with 0 %, 20 % and 100 % of the fixes on detours 300 m
off the corridor (the distance of an off-corridor fix was the cost that grew with detours: issue 18).

The end-to-end figure is wall time, as a user waits for it (``hazledger route check`` in a fresh process, start-up
included; the best of ``--repeats`` runs); its CPU seconds are printed beside it, and so is each stage's wall and
CPU in process. On a machine shared with other work, the wall time is the machine's, not the code's: compare the
CPU, and the load average (``uptime``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import routing.checks as checks  # noqa: E402
from routing.checks import CheckParameters, check_document, check_track, find_episodes, fix_states  # noqa: E402
from routing.corridors import Corridor, load_corridor  # noqa: E402
from routing.distances import BoundaryDistance  # noqa: E402
from routing.projection import _transformer, geometry_to_metric, to_metric, to_wgs84  # noqa: E402
from routing.track_csv import csv_columns  # noqa: E402
from routing.tracks import MAX_SPEED_KPH, Track, _finish, _reasons, read_track  # noqa: E402

CORRIDOR = REPO / "geodata" / "demo_corridor_shanghai.geojson"
T0 = pd.Timestamp("2026-01-01T00:00:00Z")
PERIOD, DETOUR_M, RAMP = 10_000, 300.0, 30.0
SHARES = (0.0, 0.2, 1.0)
STAGE_GOAL = 2_000_000  # fixes per CPU-second, whatever the share off the corridor
END_TO_END_GOAL = 1_000_000  # fixes per second of `route check`, CSV parsing included


def generate(corridor: Corridor, n: int, off_share: float, seed: int = 1) -> pd.DataFrame:
    """Fixes driving back and forth along the corridor's centre line (12 m/s, 10 m GPS noise); in every 10,000
    fixes a detour 300 m to the side takes ``off_share`` of them (30-fix ramps out and back), all of them at 1."""
    rng = np.random.default_rng(seed)
    data = json.loads(CORRIDOR.read_text(encoding="utf-8"))
    line = next(shape(f["geometry"]) for f in data["features"] if f["geometry"]["type"] == "LineString")
    centre = geometry_to_metric(line, corridor.crs)
    travelled = (np.arange(n) * 12.0) % (2 * centre.length)  # there and back again
    along = np.where(travelled > centre.length, 2 * centre.length - travelled, travelled)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(centre, along))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(centre, np.minimum(along + 1, centre.length)))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(centre, np.maximum(along - 1, 0)))
    tangent = ahead - behind
    normal = np.column_stack((tangent[:, 1], -tangent[:, 0])) / np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    phase = np.arange(n) % PERIOD
    span = off_share * PERIOD
    lateral = (np.full(n, DETOUR_M) if off_share >= 1
               else DETOUR_M * np.clip(np.minimum(phase + 1, span - phase) / RAMP, 0.0, 1.0))
    xy += normal * lateral[:, None] + rng.normal(0.0, 10.0, xy.shape)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], corridor.crs)
    return pd.DataFrame({"time": T0 + pd.to_timedelta(np.arange(n), unit="s"), "lon": lon, "lat": lat})


def per_fix_stage(corridor: Corridor, frame: pd.DataFrame, repeats: int = 3) -> tuple[float, float, int]:
    """The best CPU time of the per-fix stage over the whole frame in one chunk (one thread: the figure per core),
    and its best wall time in chunks on threads, one a core (as ``route check`` runs it)."""
    track = Track(lon=frame["lon"].to_numpy(), lat=frame["lat"].to_numpy(),
                  time_ns=frame["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64),
                  speed_kph=None, points=len(frame))
    cpu = wall = np.inf
    chunk = checks.CHUNK_FIXES
    for _ in range(repeats):
        checks.CHUNK_FIXES = len(frame)
        start = time.process_time()
        state = fix_states(track, corridor)
        cpu = min(cpu, time.process_time() - start)
        checks.CHUNK_FIXES = chunk
        start = time.perf_counter()
        fix_states(track, corridor)
        wall = min(wall, time.perf_counter() - start)
    return cpu, wall, int(state.outside.sum())


def naive_loop(corridor: Corridor, frame: pd.DataFrame) -> float:
    """What the vectorised stage replaces: one Python iteration, projection and GEOS call set per fix."""
    to_metric = _transformer("EPSG:4326", corridor.crs.to_string())
    area = corridor.area()
    zones = [z.geometry for z in corridor.parts(forbidden=True)]
    start = time.process_time()
    for lon, lat in zip(frame["lon"].to_numpy(), frame["lat"].to_numpy()):
        point = shapely.Point(to_metric.transform(lon, lat))
        if not area.contains(point):
            area.distance(point)
        for zone in zones:
            zone.contains(point)
    return time.process_time() - start


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """The frame as a logger's CSV: ISO 8601 times with the offset, full-precision coordinates."""
    times = np.char.add(np.datetime_as_string(frame["time"].to_numpy(dtype="datetime64[s]"), unit="s"), "+00:00")
    frame.assign(time=times).to_csv(path, index=False)
    return path


def child_environment(folder: Path) -> dict[str, str]:
    """The environment of the commands timed: as a user's shell has it (the command line itself asks OpenBLAS for
    one thread, issue 18), with the compiled bytecode kept in *folder* as an installed package has it beside its
    modules: with ``PYTHONDONTWRITEBYTECODE`` set, every run compiled the app's modules again (0.07 s of CPU)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(folder / "pycache")}


def end_to_end(csv: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """``hazledger route check`` of the CSV in a fresh process, as a user runs it: its wall and CPU seconds."""
    code = "import sys; from app.cli import main; main()"
    args = [sys.executable, "-c", code, "route", "check", "--corridor", str(CORRIDOR), "--track", str(csv),
            "--format", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode == 2:
        raise SystemExit(f"route check refused the input: {done.stderr.strip()}")
    if done.returncode not in (0, 1):  # a crash ends sooner than a check: its time must never be the best
        raise SystemExit(f"route check failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.returncode


def in_process(csv: Path) -> tuple[float, float]:
    """The same check in this process (imports done): read and validate the CSV, load the corridor, check, write
    the JSON document; its wall and CPU seconds (Arrow reads the CSV on more than one thread)."""
    wall, cpu = time.perf_counter(), time.process_time()
    json.dumps(check_track(read_track(csv), load_corridor(CORRIDOR)))
    return time.perf_counter() - wall, time.process_time() - cpu


def stages(csv: Path) -> list[tuple[str, float, float]]:
    """Where the time of a check in process goes (imports done): each stage's wall and CPU seconds."""
    marks = [(time.perf_counter(), time.process_time())]
    lap = marks.append
    corridor = load_corridor(CORRIDOR)
    lap((time.perf_counter(), time.process_time()))
    columns = csv_columns(csv)
    lap((time.perf_counter(), time.process_time()))
    track = _finish(*_reasons(columns, False, MAX_SPEED_KPH), csv.name, MAX_SPEED_KPH)
    lap((time.perf_counter(), time.process_time()))
    state = fix_states(track, corridor, measure_offsets=False)  # as check_track of one track: bounds, not distances
    lap((time.perf_counter(), time.process_time()))
    params = CheckParameters()
    quiet = checks._quiet([track], state, track.time_ns, np.array([0, len(track)]), params)  # as check_track
    lap((time.perf_counter(), time.process_time()))
    episodes = [] if quiet[0] else find_episodes(track, state, params)
    lap((time.perf_counter(), time.process_time()))
    json.dumps(check_document(track, corridor, episodes), ensure_ascii=False, indent=2, default=str)
    lap((time.perf_counter(), time.process_time()))
    names = ("corridor", "CSV read (Arrow, its threads)", "validation and jump filter",
             "per-fix stage (threads)", "quiet-track test", "episodes (a second thread; the largest offsets)", "JSON")
    return [(name, b[0] - a[0], b[1] - a[1]) for name, a, b in zip(names, marks, marks[1:])]


def distance_rates(corridor: Corridor, frame: pd.DataFrame) -> tuple[float, float]:
    """Distances per CPU-second for the fixes off the corridor: GEOS's to the polygon (what the stage did before
    issue 18) and the indexed distance to its boundary (what it does now)."""
    x, y = to_metric(frame["lon"].to_numpy(), frame["lat"].to_numpy(), corridor.crs)
    area = corridor.area()
    off = ~shapely.contains_xy(area, x, y)
    x, y = x[off], y[off]
    start = time.process_time()
    shapely.distance(area, shapely.points(x, y))
    geos = len(x) / (time.process_time() - start)
    start = time.process_time()
    BoundaryDistance(area).distance(x, y)
    return geos, len(x) / (time.process_time() - start)


def _verdict(value: float, goal: float) -> str:
    return "meets the goal" if value >= goal else "below the goal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000, help="subsample for the per-point loop")
    parser.add_argument("--repeats", type=int, default=3, help="end-to-end runs per share (the best is shown)")
    parser.add_argument("--end-to-end", action="store_true",
                        help="only the start-up and `route check` end to end (about a minute on a quiet machine)")
    args = parser.parse_args()
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    corridor = load_corridor(CORRIDOR)
    frames, naive_rates = {}, {}
    for share in SHARES:
        frame = frames[share] = generate(corridor, args.fixes, share)
        if args.end_to_end:
            continue
        seconds, wall, outside = per_fix_stage(corridor, frame)
        rate = args.fixes / seconds
        sample = frame.iloc[:: max(1, args.fixes // args.naive)].head(args.naive)
        naive_rate = naive_rates[share] = len(sample) / naive_loop(corridor, sample)
        print(f"per-fix stage, {outside / args.fixes:4.0%} off the corridor ({args.fixes:,} fixes, one core): "
              f"{rate:,.0f} fixes per CPU-second (goal {STAGE_GOAL:,}: {_verdict(rate, STAGE_GOAL)}); "
              f"naive per-point loop in this run {naive_rate:,.0f}/s, vectorised {rate / naive_rate:,.0f}x faster; "
              f"in chunks on {checks._threads()} thread(s) {args.fixes / wall:,.0f} fixes/s of wall time")
    if not args.end_to_end:
        geos, indexed = distance_rates(corridor, frames[SHARES[-1]])
        print(f"distance of an off-corridor fix: GEOS to the polygon {geos:,.0f}/s, indexed boundary "
              f"{indexed:,.0f}/s ({indexed / geos:,.1f}x)")
    with tempfile.TemporaryDirectory() as tmp:
        env = child_environment(Path(tmp))
        tiny = write_csv(frames[SHARES[0]].head(10), Path(tmp) / "tiny.csv")
        end_to_end(tiny, env)  # compiles the bytecode the runs then read
        wall, cpu, _ = min(end_to_end(tiny, env) for _ in range(3))
        print(f"start-up of `hazledger route check` (a 10-fix CSV: imports, corridor, output): {wall:.2f} s wall, "
              f"{cpu:.2f} s of CPU")
        for share in SHARES:
            csv = write_csv(frames[share], Path(tmp) / "track.csv")
            wall, cpu, code = min(end_to_end(csv, env) for _ in range(args.repeats))
            inner_wall, inner_cpu = min(in_process(csv) for _ in range(2))
            rate = args.fixes / wall
            naive = (f"; {args.fixes / inner_wall / naive_rates[share]:,.0f}x the naive per-point loop's "
                     f"{naive_rates[share]:,.0f}/s (which reads nothing)" if share in naive_rates else "")
            print(f"end to end `hazledger route check`, {args.fixes:,}-fix CSV, {share:.0%} of it on detours: "
                  f"{wall:.2f} s = {rate:,.0f} fixes/s (goal {END_TO_END_GOAL:,}: {_verdict(rate, END_TO_END_GOAL)}); "
                  f"{cpu:.2f} s of CPU = {args.fixes / cpu:,.0f} fixes per CPU-second (exit {code}); in process, "
                  f"imports done: {inner_wall:.2f} s wall = {args.fixes / inner_wall:,.0f} fixes/s, {inner_cpu:.2f} s "
                  f"of CPU{naive}")
            print("  in process, by stage (wall / CPU s): " + "; ".join(
                f"{name} {wall:.3f} / {cpu:.3f}" for name, wall, cpu in stages(csv)))
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
