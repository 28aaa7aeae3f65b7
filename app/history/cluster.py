"""``history check``: past trips re-checked on a Dask cluster, compared with the alerts raised live.

The driver (this module, in the CLI's process) reads the archive's trip tables, picks each trip's corridor, cuts
the work into tasks (:func:`.recheck.plan_tasks`) and maps :func:`.recheck.run_task` over them on a
``dask.distributed`` cluster: a :class:`~distributed.LocalCluster` of this machine's processes by default, or
the scheduler of a real cluster (whose workers must see the archive at the same path: a shared file system).
Results come back as each task finishes, with Dask's text progress bar on stderr.

Corridors, three ways:

- as archived (default): the corridor and zones stored with the month's archive, i.e. what the trip was
  checked against live: the trips whose result differs from the live alerts are then worth a look;
- ``--current``: each trip's corridor with the zones around it in the database now (a zone added since);
- ``--corridors FILE``: one corridor GeoJSON for every trip (a proposed corridor); trips far from it are
  reported as not checkable, with the reason.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.history.recheck import CheckTask, corridor_key, database_trips, plan_tasks, read_trips, run_task
from app.services.corridors import trip_geojson
from models import Alert, Corridor
from routing import RoutingInputError
from routing.checks import CheckParameters
from routing.corridors import load_corridor

#: Episode kinds both ``route check`` and the live checks report: the ones a difference can be told on.
COMPARED_KINDS = ("deviation", "forbidden_zone", "signal_gap")
_SHOWN_DIFFERENCES = 20
#: Dask settings for the workers of a local cluster (a real cluster's workers take their own configuration:
#: docs/history.md). A worker's own activity beside its task, measured on an idle worker: 17 ms of CPU a second
#: with Dask's defaults, 5 with these; with the statistical profiler (a sample of the task thread's stack every
#: 10 ms, for a dashboard a local cluster here has not) 5-7 % of a busy worker's CPU. The memory is looked at
#: every second instead of every 0.1 (a task's memory is bounded: :data:`~app.history.recheck.TASK_FIXES`).
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "100ms",
}


@dataclass(frozen=True)
class ClusterSpec:
    """Where to run: a scheduler's address, or a local cluster of *workers* (processes, or threads of this
    process when *in_process*: small runs and tests), one thread each."""

    scheduler: str | None = None
    workers: int = 2
    in_process: bool = False


@contextlib.contextmanager
def dask_client(spec: ClusterSpec) -> Iterator[Any]:
    """A connected ``distributed.Client``, closed (with its local cluster) on the way out."""
    import dask
    from distributed import Client, LocalCluster

    # The scheduler's and workers' comings and goings are not the command's output (the app logs at INFO).
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if spec.scheduler:
        try:
            client = Client(spec.scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise ValueError(f"cannot reach the Dask scheduler at {spec.scheduler}: {error}") from None
        with client:
            yield client
        return
    with dask.config.set(LOCAL_WORKER_CONFIG), \
            LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=not spec.in_process,
                         dashboard_address=None, silence_logs=logging.WARNING,
                         # No dashboard; the scheduler's HTTP endpoints (health, metrics) still start, on a free
                         # port of the loopback: not on 8787, which another cluster on this host may hold (then a
                         # warning), nor on every interface.
                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster) as client:
        yield client


def run_tasks(client: Any, tasks: list[CheckTask], *, progress: bool = True,
              function: Callable[..., tuple[pd.DataFrame, pd.DataFrame]] = run_task,
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map :func:`run_task` (or *function*, called as it is: the benchmark times it) over *tasks* on *client*;
    the episodes and trips of all of them."""
    from distributed import as_completed
    from distributed.diagnostics.progressbar import progress as progress_bar

    if not tasks:
        return run_task(CheckTask((), (), {}))
    # The corridors go to every worker once, not inside each task (a province's zones weigh more than a task).
    [corridors] = client.scatter([{k: d for t in tasks for k, d in t.corridors.items()}], broadcast=True)
    futures = client.map(function, [dataclasses.replace(t, corridors={}) for t in tasks], corridors=corridors,
                         pure=False)
    if progress:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the summary
            progress_bar(futures)
            sys.stderr.write("\n")
    episodes, trips = [], []
    for future in as_completed(futures):
        found, checked = future.result()
        episodes.append(found)
        trips.append(checked)
        future.release()
    return (pd.concat(episodes, ignore_index=True).sort_values(["waybill_id", "first_index", "kind"]),
            pd.concat(trips, ignore_index=True).sort_values("waybill_id"))


def history_check(session: Session, archive: Path, first: dt.date, last: dt.date, *, corridors: Path | None,
                  current: bool, spec: ClusterSpec, params: CheckParameters | None = None,
                  progress: bool = True, database_url: str | None = None,
                  ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Re-check the trips starting from *first* to *last* (UTC days); episodes, trips, summary.

    The trips and their fixes come from the archive, or with *database_url* from that database (whose zones
    are then the only ones known: the corridors are the current ones unless a file is given).

    Raises ValueError with a one-line reason on bad input (nothing archived, an unreadable corridor file).
    """
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    params = (params or CheckParameters()).validated()
    if database_url:
        trips, manifests = database_trips(session, first, last), {}
        if trips.empty:
            raise ValueError(f"no trip with fixes starts from {first} to {last} in the database")
    else:
        trips, manifests = read_trips(archive, first, last)
    documents, corridor_of = _corridors(session, archive, trips, corridors, current or bool(database_url))
    with dask_client(spec) as client:
        # Cut for the workers there are (a real cluster's, whatever --workers says).
        workers = len(client.nthreads()) or spec.workers
        tasks = plan_tasks(trips, manifests, archive, documents, corridor_of, params, workers=workers,
                           database_url=database_url)
        episodes, checked = run_tasks(client, tasks, progress=progress)
    checked = _compare_live(session, episodes, checked)
    return episodes, checked, summarise(first, last, episodes, checked, len(tasks), spec)


def _corridors(session: Session, archive: Path, trips: pd.DataFrame, given: Path | None,
               current: bool) -> tuple[dict[str, dict[str, Any]], dict[str, str | None]]:
    """The corridor documents by key, and each waybill's key.

    A trip whose waybill holds a pass is checked, like live, without the zones the pass opens: with the current
    corridors, those :func:`~app.services.corridors.trip_geojson` leaves out for a pass holder now; with the
    archived ones or a file, the zones the export recorded as opened by the trip's pass (by name)."""
    first_rows = trips.sort_values("first_at").drop_duplicates("waybill_id")
    proposed = None if given is None else _corridor_file(given)
    documents: dict[str, dict[str, Any]] = {}
    by_source: dict[tuple[Any, ...], str | None] = {}
    corridor_of: dict[str, str | None] = {}
    for row in first_rows.itertuples():  # per trip, over the few (corridor, pass) pairs they share
        opened = tuple(row.pass_zones) if row.holds_pass else ()
        if proposed is not None:
            source: tuple[Any, ...] = ("file", opened)
        elif row.corridor_id is None:
            corridor_of[row.waybill_id] = None
            continue
        else:
            source = ("now", row.corridor_id, bool(row.holds_pass)) if current else (row.month, row.corridor_id, opened)
        if source not in by_source:
            if proposed is not None:
                document = _without(proposed, opened)
            elif current:
                document = _current_corridor(session, row.corridor_id, holds_pass=bool(row.holds_pass))
            else:
                document = _archived_corridor(archive / row.month / "corridors" / f"{row.corridor_id}.geojson",
                                              opened)
            by_source[source] = None if document is None else corridor_key(document)
            if document is not None:
                documents[corridor_key(document)] = document
        corridor_of[row.waybill_id] = by_source[source]
    return documents, corridor_of


def _corridor_file(given: Path) -> dict[str, Any]:
    """The ``--corridors`` GeoJSON, read by the routing engine; ValueError with a one-line reason."""
    try:
        document = json.loads(given.read_text(encoding="utf-8"))
        load_corridor(document)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RoutingInputError) as error:
        raise ValueError(f"--corridors {given}: {error}") from None
    return document


def _without(document: dict[str, Any], opened: tuple[str, ...]) -> dict[str, Any]:
    """*document* without the forbidden zones named in *opened* (those a trip's pass opens)."""
    if not opened or document.get("type") != "FeatureCollection":
        return document
    kept = [f for f in document["features"]
            if not ((f.get("properties") or {}).get("role") == "forbidden"
                    and (f.get("properties") or {}).get("name") in opened)]
    return {**document, "features": kept}


def _archived_corridor(path: Path, opened: tuple[str, ...]) -> dict[str, Any] | None:
    return _without(json.loads(path.read_text(encoding="utf-8")), opened) if path.is_file() else None


def _current_corridor(session: Session, corridor_id: str, *, holds_pass: bool) -> dict[str, Any] | None:
    record = session.get(Corridor, uuid.UUID(corridor_id))
    return None if record is None else trip_geojson(session, record, holds_pass=holds_pass)


def _compare_live(session: Session, episodes: pd.DataFrame, checked: pd.DataFrame) -> pd.DataFrame:
    """Add, per trip and compared kind, the episodes found and the alerts raised live, and whether they differ."""
    ids = [uuid.UUID(w) for w in checked["waybill_id"]]
    live: dict[tuple[str, str], int] = {}
    for start in range(0, len(ids), 1000):
        for waybill_id, kind, count in session.execute(
                select(Alert.waybill_id, Alert.kind, func.count()).where(Alert.waybill_id.in_(ids[start:start + 1000]))
                .group_by(Alert.waybill_id, Alert.kind)):
            live[(str(waybill_id), str(kind))] = count
    found = episodes.groupby(["waybill_id", "kind"]).size().to_dict()
    checked = checked.copy()
    differs = pd.Series(False, index=checked.index)
    for kind in COMPARED_KINDS:
        checked[f"{kind}_episodes"] = [int(found.get((w, kind), 0)) for w in checked["waybill_id"]]
        checked[f"{kind}_live"] = [int(live.get((w, kind), 0)) for w in checked["waybill_id"]]
        differs |= checked[f"{kind}_episodes"] != checked[f"{kind}_live"]
    checked["differs_from_live"] = differs & checked["error"].isna()
    return checked


def summarise(first: dt.date, last: dt.date, episodes: pd.DataFrame, checked: pd.DataFrame, tasks: int,
              spec: ClusterSpec) -> dict[str, Any]:
    """The figures ``history check`` prints."""
    differing = checked[checked["differs_from_live"]]
    return {
        "from": first.isoformat(), "to": last.isoformat(),
        "trips": len(checked), "fixes": int(checked["fixes"].sum()), "tasks": tasks,
        "workers": spec.scheduler or spec.workers,
        "episodes": {k: int(v) for k, v in episodes["kind"].value_counts().sort_index().items()},
        "uncheckable": {k: int(v) for k, v in checked["error"].value_counts().sort_index().items()},
        "differs_from_live": len(differing),
        "differing_trips": [
            {"waybill_id": row.waybill_id,
             **{f"{k}": [getattr(row, f"{k}_episodes"), getattr(row, f"{k}_live")] for k in COMPARED_KINDS}}
            for row in differing.head(_SHOWN_DIFFERENCES).itertuples()],
    }


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write *frame* to *path* through a temporary file beside it (no half-written table left behind)."""
    partial = path.with_name(f".{path.name}.partial")
    frame.to_parquet(partial, index=False)
    partial.replace(path)


def parse_day(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {text!r}") from None
