"""The per-fix stage in chunks on threads (:data:`routing.checks.CHUNK_FIXES`) gives what one pass over all the
fixes gives: the same per-fix states, bit for bit, and so the same episodes, also where a chunk boundary falls
inside an episode, for parts and zones with and without time windows, and for several tracks checked at once."""
from __future__ import annotations

import copy
import json
import threading
import time

import numpy as np
import pytest
import shapely

import routing.checks as checks
from bench.bench_track_check import generate
from routing.checks import CheckParameters, check_track, check_tracks, fix_states
from routing.corridors import load_corridor
from routing.tracks import Track

from tests.paths import REPO

DEMO = json.loads((REPO / "geodata" / "demo_corridor_shanghai.geojson").read_text(encoding="utf-8"))
T0_NS = np.datetime64("2026-01-01T06:30:00", "ns").astype(np.int64)  # 30 min before the window below opens
CHUNK = 97  # fixes: chunk boundaries inside the detour and its ramps


def _corridor_document() -> dict:
    """The demo corridor, its no-entry zone closed 07:00–09:00 UTC only, and a wider part of the line open in
    that window only: every kind of area the stage tests."""
    document = copy.deepcopy(DEMO)
    line = next(f for f in document["features"] if f["geometry"]["type"] == "LineString")
    wide = copy.deepcopy(line)
    wide["properties"].update(name="wide in the morning", width_m=200, time_windows=[["07:00", "09:00"]])
    zone = next(f for f in document["features"] if f["properties"].get("rule") == "no_entry")
    zone["properties"]["time_windows"] = [["07:00", "09:00"]]
    document["features"].append(wide)
    return document


def _track(n: int = 6_000) -> Track:
    """The benchmark's drive back and forth along the corridor (1 Hz, 10 m of GPS noise), half of it on a detour
    300 m to the side (30-fix ramps out and back: through the wide part while it is open, into both zones), from
    06:30 UTC."""
    frame = generate(load_corridor(DEMO), n, 0.5)
    time_ns = frame["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return Track(lon=frame["lon"].to_numpy(), lat=frame["lat"].to_numpy(), time_ns=time_ns - time_ns[0] + T0_NS,
                 speed_kph=None, points=n)


@pytest.fixture(scope="module")
def track() -> Track:
    return _track()


def _states(track, monkeypatch, chunk, threads, **kwargs):
    monkeypatch.setattr(checks, "CHUNK_FIXES", chunk)
    monkeypatch.setattr(checks, "_threads", lambda: threads)
    return fix_states(track, load_corridor(_corridor_document()), **kwargs)  # a fresh corridor: nothing made yet


@pytest.mark.parametrize("threads", [1, 2, 3], ids=["inline", "2 threads", "3 threads"])
def test_chunks_give_the_states_of_one_pass(track, monkeypatch, threads):
    whole = _states(track, monkeypatch, len(track), 1)
    chunked = _states(track, monkeypatch, CHUNK, threads)
    for name in ("x", "y", "time_s", "outside", "inside_inner", "offset_m"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name), err_msg=name)
    assert [z.name for z, _ in chunked.zones] == [z.name for z, _ in whole.zones]
    for (_, a), (_, b) in zip(chunked.zones, whole.zones):
        np.testing.assert_array_equal(a, b)
    assert whole.outside.any() and whole.inside_inner.any() and any(inside.any() for _, inside in whole.zones)


def test_chunks_on_threads_give_the_episodes_of_one_pass_across_chunk_boundaries(track, monkeypatch):
    corridor = _corridor_document()
    monkeypatch.setattr(checks, "CHUNK_FIXES", len(track))
    whole = check_track(track, load_corridor(corridor), CheckParameters())
    monkeypatch.setattr(checks, "CHUNK_FIXES", CHUNK)
    monkeypatch.setattr(checks, "_threads", lambda: 2)
    chunked = check_track(track, load_corridor(corridor), CheckParameters())
    assert chunked == whole
    kinds = {e["kind"] for e in whole["episodes"]}
    assert {"deviation", "forbidden_zone"} <= kinds
    assert any(e["first_index"] // CHUNK != e["last_index"] // CHUNK for e in whole["episodes"]
               if e["kind"] == "deviation"), "an episode crosses a chunk boundary"


def test_several_tracks_in_chunks_on_threads_as_in_one_pass(track, monkeypatch):
    """check_tracks joins the tracks: the inner test is made for the tracks with a fix outside only, judged over
    the whole joined arrays between the stage's two rounds of chunks."""
    along = slice(5_300, 5_650)  # back on the corridor
    calm = Track(lon=track.lon[along], lat=track.lat[along], time_ns=track.time_ns[along], speed_kph=None, points=350)
    tracks = [calm, track, calm]
    monkeypatch.setattr(checks, "CHUNK_FIXES", 10**9)
    whole = check_tracks(tracks, load_corridor(_corridor_document()))
    monkeypatch.setattr(checks, "CHUNK_FIXES", CHUNK)
    monkeypatch.setattr(checks, "_threads", lambda: 2)
    assert check_tracks(tracks, load_corridor(_corridor_document())) == whole
    assert whole[0]["compliant"] and not whole[1]["compliant"]


def test_an_error_in_a_chunk_is_raised_by_the_stage(track, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("broken projection")

    monkeypatch.setattr(checks, "to_metric", broken)
    with pytest.raises(RuntimeError, match="broken projection"):
        _states(track, monkeypatch, CHUNK, 2)


@pytest.mark.parametrize(("cap", "expected"), [("1", 1), ("", None), ("0", None), ("many", None)])
def test_the_thread_count_keeps_to_omp_num_threads(monkeypatch, cap, expected):
    # Dask's worker processes run with OMP_NUM_THREADS=1: a history re-check's task must not start more threads.
    monkeypatch.setattr(checks.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", cap)
    assert checks._threads() == (3 if expected is None else expected)


def test_a_chunked_check_makes_each_grid_once_whatever_thread_needs_it(track, monkeypatch):
    monkeypatch.setattr(checks.containment, "MIN_POINTS", 1)  # every containment test on a grid
    made = []
    grid = checks.containment.GridContains

    def recorded(area):
        made.append(id(area))
        return grid(area)

    monkeypatch.setattr(checks.containment, "GridContains", recorded)
    _states(track, monkeypatch, CHUNK, 2)
    assert made and len(made) == len(set(made))


@pytest.mark.parametrize(("share", "threads", "tasks"), [(1.0, 2, 2), (1.0, 3, 3), (0.2, 2, 1), (1.0, 1, 1)])
def test_the_distances_off_the_corridor_are_one_task_a_threads_share(monkeypatch, share, threads, tasks):
    """All fixes off the corridor: a task for each thread (one task for all was the stage's tail on one core); a
    fifth off: one task (two cost more in cell queries and finish no sooner). The states are one pass's."""
    frame = generate(load_corridor(DEMO), 20_000, share)  # two periods of the bench's detour
    time_ns = frame["time"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    drive = Track(lon=frame["lon"].to_numpy(), lat=frame["lat"].to_numpy(), time_ns=time_ns, speed_kph=None,
                  points=len(frame))
    whole = _states(drive, monkeypatch, len(drive), 1)
    sizes = []
    offsets = checks._offsets

    def counted(parts, x, y, memo):
        sizes.append(len(x))
        return offsets(parts, x, y, memo)

    monkeypatch.setattr(checks, "_offsets", counted)
    chunked = _states(drive, monkeypatch, 2_000, threads)
    assert len(sizes) == tasks and sum(sizes) == whole.outside.sum()
    np.testing.assert_array_equal(chunked.offset_m, whole.offset_m)


@pytest.mark.parametrize("grids", [False, True], ids=["direct", "on grids"])
def test_no_two_threads_test_points_against_one_geos_geometry(track, monkeypatch, grids):
    """GEOS's prepared geometries are not safe to share between threads (two threads testing one aborted the
    process or deadlocked about one 1 M-fix check in ten): each thread tests its own copy, directly and from a
    grid. The first test on each thread waits a little, so that both threads surely take chunks."""
    if grids:
        monkeypatch.setattr(checks.containment, "MIN_POINTS", 1)
    original, users, lock = shapely.contains_xy, {}, threading.Lock()

    def recorded(geometry, x, y=None, **kwargs):
        with lock:
            first = threading.get_ident() not in {t for seen in users.values() for t in seen}
            users.setdefault(id(geometry), set()).add(threading.get_ident())
        if first:
            time.sleep(0.05)
        return original(geometry, x, y, **kwargs)

    monkeypatch.setattr(shapely, "contains_xy", recorded)
    chunked = _states(track, monkeypatch, CHUNK, 2)
    assert len({t for seen in users.values() for t in seen}) >= 2  # the premise: two threads tested fixes
    assert all(len(seen) == 1 for seen in users.values())
    monkeypatch.setattr(shapely, "contains_xy", original)
    whole = _states(track, monkeypatch, len(track), 1)
    np.testing.assert_array_equal(chunked.outside, whole.outside)
    np.testing.assert_array_equal(chunked.inside_inner, whole.inside_inner)
