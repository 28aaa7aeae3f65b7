"""Benchmark the track check: per-fix stage throughput, naive-loop ratio, end-to-end CLI on 1,000,000 fixes.

Run from the repository root: ``python bench/bench_track_check.py [--fixes 1000000]``. Uses the demo
corridor ``geodata/demo_corridor_shanghai.geojson`` (a 7.3 km corridor with two forbidden zones) and
a generated drive along it: 1 Hz fixes, 10 m GPS noise, and a few detours off the corridor.
"""
from __future__ import annotations

import argparse
import json
import os
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

from routing.checks import fix_states  # noqa: E402
from routing.corridors import Corridor, load_corridor  # noqa: E402
from routing.projection import _transformer, geometry_to_metric, to_wgs84  # noqa: E402
from routing.tracks import Track  # noqa: E402

CORRIDOR = REPO / "geodata" / "demo_corridor_shanghai.geojson"
T0 = pd.Timestamp("2026-01-01T00:00:00Z")


def generate(corridor: Corridor, n: int, seed: int = 1) -> pd.DataFrame:
    """Fixes driving back and forth along the corridor's centre line, 1 % of them on detours."""
    rng = np.random.default_rng(seed)
    data = json.loads(CORRIDOR.read_text(encoding="utf-8"))
    line = next(shape(f["geometry"]) for f in data["features"] if f["geometry"]["type"] == "LineString")
    centre = geometry_to_metric(line, corridor.crs)
    travelled = (np.arange(n) * 12.0) % (2 * centre.length)  # 12 m/s, there and back again
    along = np.where(travelled > centre.length, 2 * centre.length - travelled, travelled)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(centre, along))
    xy += rng.normal(0.0, 10.0, xy.shape)
    phase = np.arange(n) % 10_000
    detour = phase < 100  # 100 s out to 300 m east and back, every 10,000 fixes
    xy[detour, 0] += 300.0 * np.sin(np.pi * phase[detour] / 100)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], corridor.crs)
    return pd.DataFrame({"time": T0 + pd.to_timedelta(np.arange(n), unit="s"), "lon": lon, "lat": lat})


def per_fix_stage(corridor: Corridor, frame: pd.DataFrame, repeats: int = 3) -> tuple[float, int]:
    track = Track(lon=frame["lon"].to_numpy(), lat=frame["lat"].to_numpy(),
                  time_ns=frame["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64),
                  speed_kph=None, points=len(frame))
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        state = fix_states(track, corridor)
        best = min(best, time.perf_counter() - start)
    return best, int(state.outside.sum())


def naive_loop(corridor: Corridor, frame: pd.DataFrame) -> float:
    """What the vectorised stage replaces: one Python iteration, projection and GEOS call set per fix."""
    to_metric = _transformer("EPSG:4326", corridor.crs.to_string())
    area = corridor.area()
    zones = [z.geometry for z in corridor.parts(forbidden=True)]
    start = time.perf_counter()
    for lon, lat in zip(frame["lon"].to_numpy(), frame["lat"].to_numpy()):
        point = shapely.Point(to_metric.transform(lon, lat))
        if not area.contains(point):
            area.distance(point)
        for zone in zones:
            zone.contains(point)
    return time.perf_counter() - start


def end_to_end(frame: pd.DataFrame) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "track.csv"
        frame.assign(time=frame["time"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")).to_csv(csv, index=False)
        code = "import sys; from app.cli.route import route; route(sys.argv[1:])"
        args = [sys.executable, "-c", code, "check", "--corridor", str(CORRIDOR), "--track", str(csv),
                "--format", "json"]
        start = time.perf_counter()
        done = subprocess.run(args, cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, "OMP_NUM_THREADS": "1"})
        elapsed = time.perf_counter() - start
        if done.returncode == 2:
            raise SystemExit(f"route check refused the input: {done.stderr.strip()}")
        return elapsed, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixes", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000, help="subsample for the per-point loop")
    args = parser.parse_args()
    corridor = load_corridor(CORRIDOR)
    frame = generate(corridor, args.fixes)
    seconds, outside = per_fix_stage(corridor, frame)
    rate = args.fixes / seconds
    print(f"per-fix stage (projection + corridor distance + zone test), one process: {args.fixes:,} fixes "
          f"in {seconds:.3f} s = {rate:,.0f} fixes/s ({outside:,} outside the corridor)")
    sample = frame.iloc[:: max(1, args.fixes // args.naive)].head(args.naive)
    naive_s = naive_loop(corridor, sample)
    naive_rate = len(sample) / naive_s
    print(f"naive per-point shapely loop: {len(sample):,} fixes in {naive_s:.3f} s = "
          f"{naive_rate:,.0f} fixes/s; "
          f"vectorised is {rate / naive_rate:,.0f}x faster")
    total, code = end_to_end(frame)
    print(f"end to end `hazledger route check` on a {args.fixes:,}-fix CSV: {total:.2f} s (exit {code})")


if __name__ == "__main__":
    main()
