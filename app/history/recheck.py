"""The re-check of past trips: the work one Dask task does, and how a period is cut into such tasks.

A task is a set of whole trips (every fix of each, whichever day or month file holds it) and the files to read
them from. It reads those fixes, validates them with the routing engine's reader for many tracks at once
(:func:`routing.tracks.tracks_from_columns` of the archive's Arrow columns,
:func:`~routing.tracks.tracks_from_frame` of a database's rows: the same rules as ``route check``'s reader,
applied to each trip alone) and checks each trip with :func:`routing.checks.check_tracks`: the function
``route check`` runs (its ``check_track`` is ``check_tracks`` of one track), with the CLI's thresholds, so a
trip re-checked here has the episodes ``route check`` finds for the same fixes and corridor. One trip in a test
and a year on a cluster go through this same code.

Tasks are cut by terminal bucket over the whole period (one read of a bucket's files of all the days, not a
task per day: each task costs the scheduler and the worker a few milliseconds whatever its size), and closed at a
size that gives every worker several tasks (:data:`TASKS_PER_WORKER`), between :data:`MIN_TASK_FIXES` and
:data:`TASK_FIXES` fixes: one task's memory is bounded, whatever the period, and the files it reads are its
bucket's. They go out largest first, so the workers finish together.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.history import layout
from app.history.export import join_attributes
from models import GpsFix
from models.engine import make_engine
from routing import RoutingInputError
from routing.checks import CheckParameters, check_tracks
from routing.corridors import Corridor, load_corridor
from routing.tracks import EARLIEST_FIX, FixColumns, Track, latest_fix_time, tracks_from_columns, tracks_from_frame

#: The most fixes one task checks (about 100 MB of columns in a worker).
TASK_FIXES = 1_000_000
#: Tasks per worker a period is cut into at least (when its size allows): the last ones to finish are small.
TASKS_PER_WORKER = 4
#: The fewest fixes a task is cut at (a smaller task is mostly the scheduler's and the worker's overhead).
MIN_TASK_FIXES = 100_000
EPISODE_COLUMNS = ("waybill_id", "kind", "start", "end", "duration_s", "max_offset_m", "length_m", "first_index",
                   "last_index", "zone", "rule")
_READ_COLUMNS = ["waybill_id", "at", "lon", "lat", "speed_kph"]
#: The fixes files as a task scans them: the waybill ids as their dictionary (see :func:`_trip_of`).
_FIXES_FORMAT = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=["waybill_id"]))
#: Loaded corridors by the hash of their GeoJSON, per worker process, each with the lock to use it under
#: (prepared GEOS geometries build their indexes lazily and are not safe to share while in use).
_corridors: dict[str, tuple[Corridor, threading.Lock]] = {}
_corridors_lock = threading.Lock()


@dataclass(frozen=True)
class TripSpec:
    """One trip to check: its waybill, the corridor to check it against (a key into the task's corridors, None
    when it has none) and its cargo's hazard classes (None: every part and zone applies)."""

    waybill_id: str
    corridor: str | None
    hazard_classes: tuple[str, ...] | None


@dataclass(frozen=True)
class CheckTask:
    """Whole trips and the archive files holding their fixes."""

    trips: tuple[TripSpec, ...]
    files: tuple[str, ...]
    corridors: Mapping[str, dict[str, Any]]
    params: CheckParameters = field(default_factory=CheckParameters)
    #: Read the fixes from this database instead of the files (``history check --source database``).
    database_url: str | None = None


def corridor_key(document: Mapping[str, Any]) -> str:
    """A corridor GeoJSON's identity: the SHA-256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _loaded(key: str, document: Mapping[str, Any]) -> tuple[Corridor, threading.Lock]:
    with _corridors_lock:
        if key not in _corridors:
            _corridors[key] = (load_corridor(document), threading.Lock())
        return _corridors[key]


def run_task(task: CheckTask, corridors: Mapping[str, dict[str, Any]] | None = None,
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the task's fixes and check its trips: (episodes, trips) tables. *corridors* (the documents of many
    tasks, sent to each worker once) stand for the task's own."""
    wanted = [t.waybill_id for t in task.trips]
    corridors = task.corridors if corridors is None else corridors
    if task.database_url or not task.files:
        fixes = (_database_fixes(task.database_url, wanted) if task.database_url
                 else pd.DataFrame({c: [] for c in _READ_COLUMNS}))
        return check_trips(fixes, task.trips, corridors, task.params)
    # One scan of the task's files (a bucket's days), only the columns checked, as Arrow columns; each fix's
    # trip found in Arrow (a hash lookup in C++): the waybill ids never become Python strings, and no filter
    # re-reads them (a task is mostly whole files). One thread: the worker is one core's worth (its siblings
    # have the others).
    table = ds.dataset(list(task.files), format=_FIXES_FORMAT).to_table(columns=_READ_COLUMNS, use_threads=False)
    group = _trip_of(table["waybill_id"], wanted)
    mine = group >= 0
    if not mine.all():
        table = table.filter(pa.array(mine))
    tracks = (tracks_from_columns(_fix_columns(table), group[mine], len(task.trips), source="archive")
              if len(table) else [None] * len(task.trips))
    return _checked(task.trips, tracks, corridors, task.params)


def _fix_columns(table: pa.Table) -> FixColumns:
    """The fixes' Arrow columns as the track reader's arrays, read as :func:`routing.tracks.tracks_from_frame`
    reads a table's (a time outside [EARLIEST_FIX, now + 1 day] is out of range, a missing one unreadable, a
    missing or NaN position missing), without pandas: the times are integers of the column's unit already,
    compared with the window in that unit (no overflow) and then made nanoseconds."""
    column = table["at"]
    per_unit = {"s": 10 ** 9, "ms": 10 ** 6, "us": 10 ** 3, "ns": 1}[column.type.unit]
    raw = pc.fill_null(column.cast(pa.int64()), 0).to_numpy()
    known = pc.is_valid(column).to_numpy(zero_copy_only=False)
    earliest = -(-pd.Timestamp(EARLIEST_FIX).value // per_unit)  # the first whole unit at or after it
    latest = pd.Timestamp(latest_fix_time()).value // per_unit
    outside = known & ((raw < earliest) | (raw > latest))
    time_ns = np.full(len(raw), np.iinfo(np.int64).min, dtype=np.int64)
    time_ns[known & ~outside] = raw[known & ~outside] * per_unit
    lon, lat = (table[name].cast(pa.float64()).to_numpy(zero_copy_only=False) for name in ("lon", "lat"))
    return FixColumns(lon=lon, lat=lat, missing=np.isnan(lon) | np.isnan(lat), time_ns=time_ns,
                      time_outside=outside,
                      speed=table["speed_kph"].cast(pa.float64()).to_numpy(zero_copy_only=False))


def _trip_of(waybills: pa.ChunkedArray, wanted: list[str]) -> npt.NDArray[np.intp]:
    """Each fix's trip: the index of its waybill in *wanted*, -1 for another's. The waybill column is read as
    Parquet stores it, a dictionary per file or row group: each dictionary is looked up once, its few hundred
    ids, and the fixes take their trip by dictionary index (no string per fix is decoded)."""
    value_set = pa.array(wanted, pa.string())
    parts = []
    for chunk in waybills.chunks:
        if pa.types.is_dictionary(chunk.type):
            # A fix of no waybill (a null index) takes the -1 appended after the dictionary's trips.
            trip = np.append(pc.fill_null(pc.index_in(chunk.dictionary, value_set=value_set), -1).to_numpy(), -1)
            parts.append(trip[pc.fill_null(chunk.indices, len(chunk.dictionary)).to_numpy()])
        else:
            parts.append(pc.fill_null(pc.index_in(chunk, value_set=value_set), -1).to_numpy())
    return np.concatenate(parts).astype(np.intp) if parts else np.zeros(0, dtype=np.intp)


def _database_fixes(url: str, waybills: list[str]) -> pd.DataFrame:
    """The waybills' fixes from the database (a worker's own connection, closed after the task)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(*(getattr(GpsFix, c) for c in _READ_COLUMNS)).where(
                GpsFix.waybill_id.in_([uuid.UUID(w) for w in waybills]))).all()
    finally:
        engine.dispose()
    frame = pd.DataFrame(rows, columns=_READ_COLUMNS)
    return frame.assign(waybill_id=frame["waybill_id"].astype(str), at=pd.to_datetime(frame["at"], utc=True),
                        speed_kph=frame["speed_kph"].astype(float))


def database_trips(session: Session, first: dt.date, last: dt.date) -> pd.DataFrame:
    """The trips starting on a day in [*first*, *last*] as :func:`read_trips` gives them, from ``gps_fixes``."""
    start = dt.datetime.combine(first, dt.time(), dt.timezone.utc)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    active = select(GpsFix.waybill_id).where(GpsFix.at >= start, GpsFix.at < end).distinct()
    rows = session.execute(
        select(GpsFix.waybill_id, GpsFix.terminal_id, func.min(GpsFix.at), func.max(GpsFix.at), func.count())
        .where(GpsFix.waybill_id.in_(active)).group_by(GpsFix.waybill_id, GpsFix.terminal_id)).all()
    trips = pd.DataFrame(rows, columns=["waybill_id", "terminal_id", "first_at", "last_at", "fixes"])
    trips = trips.assign(waybill_id=trips["waybill_id"].astype(str),
                         first_at=pd.to_datetime(trips["first_at"], utc=True),
                         last_at=pd.to_datetime(trips["last_at"], utc=True),
                         bucket=layout.buckets_of(trips["terminal_id"].to_numpy()) if len(trips) else [],
                         month=None)
    join_attributes(session, trips, {})
    day = trips.groupby("waybill_id")["first_at"].transform("min").dt.date
    return trips[(day >= first) & (day <= last)].reset_index(drop=True)


def check_trips(fixes: pd.DataFrame, trips: Sequence[TripSpec], corridors: Mapping[str, Mapping[str, Any]],
                params: CheckParameters | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check each trip's fixes against its corridor.

    Parameters
    ----------
    fixes : pandas.DataFrame
        ``waybill_id``, ``at`` (UTC), ``lon``, ``lat``, ``speed_kph`` of the trips' fixes, in any order
        (fixes of other waybills are ignored).
    trips : sequence of TripSpec
    corridors : mapping
        Corridor GeoJSON by the keys the trips name.
    params : CheckParameters, optional
        The thresholds (``route check``'s defaults when omitted).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The episodes (:data:`EPISODE_COLUMNS`, as ``route check`` reports them, by waybill) and one row per trip:
        ``waybill_id``, ``fixes``, ``valid_fixes``, ``episodes``, ``error`` (why it could not be checked).
    """
    group = pd.Index([t.waybill_id for t in trips]).get_indexer(fixes["waybill_id"])  # -1: another waybill's
    return _check_columns(fixes, group, trips, corridors, params)


def _check_columns(fixes: pd.DataFrame, group: npt.NDArray[np.intp], trips: Sequence[TripSpec],
                   corridors: Mapping[str, Mapping[str, Any]],
                   params: CheckParameters | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`check_trips` of fixes whose trips are known: *group* holds each fix's trip (its index in *trips*;
    -1 for a fix of another waybill)."""
    mine = group >= 0
    kept = fixes if mine.all() else fixes[mine]
    frame = pd.DataFrame({"time": kept["at"], "lon": kept["lon"], "lat": kept["lat"], "speed": kept["speed_kph"]})
    tracks = (tracks_from_frame(frame, group[mine].astype(np.intp), len(trips), source="archive")
              if len(frame) else [None] * len(trips))
    return _checked(trips, tracks, corridors, params)


def _checked(trips: Sequence[TripSpec], tracks: Sequence[Track | None], corridors: Mapping[str, Mapping[str, Any]],
             params: CheckParameters | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The episodes and trips tables of :func:`check_trips`, from each trip's validated track."""
    params = (params or CheckParameters()).validated()
    outcome = _check_grouped(trips, tracks, corridors, params)
    episodes: list[dict[str, Any]] = []
    rows = []
    for trip, track, (found, error) in zip(trips, tracks, outcome):
        episodes += [{"waybill_id": trip.waybill_id, **e} for e in found]
        rows.append({"waybill_id": trip.waybill_id, "fixes": track.points if track else 0,
                     "valid_fixes": len(track) if track else 0, "episodes": len(found), "error": error})
    table = pd.DataFrame(episodes, columns=list(EPISODE_COLUMNS))
    for name in ("start", "end"):
        table[name] = pd.to_datetime(table[name], utc=True, format="ISO8601")
    return table, pd.DataFrame(rows, columns=["waybill_id", "fixes", "valid_fixes", "episodes", "error"])


def _check_grouped(trips: Sequence[TripSpec], tracks: Sequence[Track | None],
                   corridors: Mapping[str, Mapping[str, Any]],
                   params: CheckParameters) -> list[tuple[list[dict[str, Any]], str | None]]:
    """Per trip, its episodes or why it could not be checked: the trips on one corridor with one cargo are
    checked together (:func:`routing.checks.check_tracks`, each with the result it has alone)."""
    outcome: list[tuple[list[dict[str, Any]], str | None]] = [([], None)] * len(trips)
    groups: dict[tuple[str, tuple[str, ...] | None], list[int]] = {}
    for n, (trip, track) in enumerate(zip(trips, tracks)):
        if track is None or len(track) < 2:
            outcome[n] = ([], "fewer than 2 valid fixes")
        elif trip.corridor is None or trip.corridor not in corridors:
            outcome[n] = ([], "no corridor to check against")
        else:
            groups.setdefault((trip.corridor, trip.hazard_classes), []).append(n)
    for (key, classes), members in groups.items():
        corridor, lock = _loaded(key, corridors[key])
        with lock:
            results = check_tracks([tracks[n] for n in members], corridor, params, hazard_classes=classes)
        for n, result in zip(members, results):
            outcome[n] = ([], str(result)) if isinstance(result, RoutingInputError) else (result["episodes"], None)
    return outcome


def read_trips(archive: Path, first: dt.date, last: dt.date) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """The archived trips that start on a day in [*first*, *last*], every (waybill, terminal) row of each from
    the months around, and the manifests of those months by month.

    Raises ValueError when no month of the period is archived.
    """
    months = [layout.month_of(d) for d in pd.date_range(first.replace(day=1), last + pd.offsets.MonthEnd(2),
                                                        freq="MS").date]
    manifests = {m: layout.read_manifest(archive / m) for m in months if (archive / m / layout.MANIFEST).is_file()}
    period = {layout.month_of(d) for d in pd.date_range(first, last, freq="D").date} or {layout.month_of(first)}
    if not period & set(manifests):
        raise ValueError(f"no month from {first} to {last} is archived in {archive} (history export --month ...)")
    parts = []
    for month in manifests:
        table = pq.read_table(archive / month / layout.TRIPS).to_pandas()
        if "holds_pass" not in table:  # exported before passes were recorded: no pass known
            table = table.assign(holds_pass=False, pass_zones=[[] for _ in range(len(table))])
        parts.append(table.assign(month=month))
    trips = pd.concat(parts, ignore_index=True)
    starts = trips.groupby("waybill_id")["first_at"].transform("min")
    day = starts.dt.date
    return trips[(day >= first) & (day <= last)].reset_index(drop=True), manifests


def plan_tasks(trips: pd.DataFrame, manifests: Mapping[str, Mapping[str, Any]], archive: Path,
               corridors: Mapping[str, dict[str, Any]], corridor_of: Mapping[str, str | None],
               params: CheckParameters, task_fixes: int = TASK_FIXES, workers: int = 1,
               database_url: str | None = None) -> list[CheckTask]:
    """Cut the trips (rows of :func:`read_trips`) into tasks, largest first: a terminal bucket's trips of the
    whole period in one task (every day of it: one read of the bucket's files), closed at the size that gives
    each of *workers* :data:`TASKS_PER_WORKER` tasks, but no more than *task_fixes* and no less than
    :data:`MIN_TASK_FIXES` fixes (a longer trip is a task of its own); *corridor_of* names each waybill's
    corridor key. With *database_url*, the tasks read the fixes from that database instead of the archive's
    files."""
    if trips.empty:
        return []
    per_trip = trips.groupby("waybill_id", sort=False).agg(
        bucket=("bucket", "first"), first_at=("first_at", "min"), fixes=("fixes", "sum"),
        hazard_classes=("hazard_classes", "first")).sort_values(["bucket", "first_at"])
    target = -(-int(per_trip["fixes"].sum()) // (TASKS_PER_WORKER * max(workers, 1)))
    limit = min(task_fixes, max(target, MIN_TASK_FIXES))
    task_of, task, size, bucket = [], -1, 0, None
    for trip_bucket, fixes in zip(per_trip["bucket"].tolist(), per_trip["fixes"].tolist()):  # per trip: cutting
        if trip_bucket != bucket or size + fixes > limit:
            task, size, bucket = task + 1, 0, trip_bucket
        task_of.append(task)
        size += fixes
    per_trip["task"] = task_of
    files = _task_files(trips.join(per_trip["task"], on="waybill_id"), manifests, archive)
    tasks = []
    for number, members in per_trip.groupby("task", sort=False):
        specs = tuple(TripSpec(w, corridor_of.get(w), tuple(c) or None)
                      for w, c in zip(members.index.tolist(), members["hazard_classes"].tolist()))
        keys = {s.corridor for s in specs if s.corridor}
        tasks.append((int(members["fixes"].sum()), CheckTask(
            trips=specs, files=files.get(number, ()), corridors={k: corridors[k] for k in keys}, params=params,
            database_url=database_url)))
    # The largest first: the last tasks to start are small, so the workers finish together.
    return [t for _, t in sorted(tasks, key=lambda sized: -sized[0])]


def _task_files(rows: pd.DataFrame, manifests: Mapping[str, Mapping[str, Any]],
                archive: Path) -> dict[int, tuple[str, ...]]:
    """Per task (the ``task`` column of *rows*: the trips' (waybill, terminal) rows), the archive files that
    hold its fixes: its rows' bucket on each day from their first fix to their last (a trip past midnight reads
    the next day's file too)."""
    existing = {(m, f["path"]) for m, manifest in manifests.items() for f in manifest["files"]}
    first = rows["first_at"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    last = rows["last_at"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    files: dict[int, set[str]] = {}
    epoch = dt.date(1970, 1, 1)
    for task, bucket, start, end in zip(rows["task"].tolist(), rows["bucket"].tolist(), first.tolist(),
                                        last.tolist()):  # per (waybill, terminal) row, a day or two each
        for number in range(start, end + 1):
            day = epoch + dt.timedelta(days=number)
            month, path = layout.month_of(day), layout.part_path(day, int(bucket))
            if (month, path) in existing:
                files.setdefault(task, set()).add(str(archive / month / path))
    return {task: tuple(sorted(paths)) for task, paths in files.items()}
