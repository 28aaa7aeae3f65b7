"""The trip's monitoring state: taking it (locked), picking the fixes it has not seen, and moving it on.

Only fixes newer than the newest fix already checked are live-checked. An older fix (a terminal that uploads a
backlog after a newer batch went through, or a retried upload) is stored by ingestion but skipped here and
counted in ``skipped_fixes``: feeding it to the open runs would rewind them. The full recompute of
``GET …/compliance`` reads every stored fix in time order, late ones included.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.services.gps_store import StoredFixes
from app.services.monitoring.runs import nanoseconds, stamp
from models import TripState

#: Fixes of the last this many seconds are kept for the speed baseline (routing.checks.fix_speeds uses 30 s).
RECENT_S = 30.0
RECENT_MAX = 64


# Built once: every batch runs them. One row per trip, created if missing (one statement whatever the count) …
_TABLE = TripState.__table__
_CREATE = {name: dialect.insert(_TABLE).on_conflict_do_nothing(index_elements=["waybill_id"])
           for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
#: Which exist already (read without a lock: a row created meanwhile is skipped by the INSERT) …
_EXISTING = select(_TABLE.c.waybill_id).where(_TABLE.c.waybill_id.in_(bindparam("ids", expanding=True)))
#: … and locked, in the order of the ids.
_LOCK = (select(TripState).where(TripState.waybill_id.in_(bindparam("ids", expanding=True)))
         .order_by(TripState.waybill_id).with_for_update().execution_options(populate_existing=True))


def lock_state(session: Session, waybill_id: uuid.UUID) -> TripState:
    """The trip's state, created on first use, locked until the transaction ends (see :func:`lock_states`)."""
    return lock_states(session, [waybill_id])[waybill_id]


def lock_states(session: Session, waybill_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, TripState]:
    """The states of several trips, created on first use, locked until the transaction ends: two or three
    queries however many trips.

    ``SELECT … FOR UPDATE`` on PostgreSQL: a second worker with a batch of one of these trips waits here until
    the first commits, then reads the state the first left. The rows are created and locked in the order of
    their ids, so two batches naming the same trips in any order take them in one order and never deadlock.
    SQLite has one writer at a time anyway.
    """
    ids = _created(session, waybill_ids)
    return {state.waybill_id: state for state in session.scalars(_LOCK, {"ids": ids}).all()}


def _created(session: Session, waybill_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The ids in order, each trip's state row created if it has none yet."""
    ids = sorted(set(waybill_ids))
    missing = set(ids).difference(session.scalars(_EXISTING, {"ids": ids}))
    if missing:  # only the trips' first batches: not one row per trip of every batch sent to be skipped
        session.execute(_CREATE[session.get_bind().dialect.name], [{"waybill_id": i} for i in sorted(missing)])
    return ids


#: What a batch moves on, written for all the batch's trips in one executemany, with the ORM's version check.
_MOVED = ("last_at", "last_lon", "last_lat", "fixes_checked", "skipped_fixes", "recent", "runs")


@dataclass
class StateRow:
    """A trip's state as a plain row (:func:`lock_rows`): the columns of :class:`~models.TripState` a batch
    reads and moves on, without the ORM's objects and bookkeeping (thousands of trips in a gateway batch)."""

    waybill_id: uuid.UUID
    row_version: int
    last_at: dt.datetime | None = None
    last_lon: float | None = None
    last_lat: float | None = None
    fixes_checked: int = 0
    skipped_fixes: int = 0
    recent: list[list[Any]] = field(default_factory=list)
    runs: dict[str, Any] = field(default_factory=dict)


#: The state rows of a batch's trips, locked in the order of their ids (Core: plain rows, not ORM objects).
_LOCK_ROWS = (select(_TABLE.c.waybill_id, _TABLE.c.row_version, *(_TABLE.c[name] for name in _MOVED))
              .where(_TABLE.c.waybill_id.in_(bindparam("ids", expanding=True)))
              .order_by(_TABLE.c.waybill_id).with_for_update())


def lock_rows(session: Session, waybill_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, StateRow]:
    """:func:`lock_states` as plain rows: the same creation and locking, one SELECT, no ORM object. The
    caller writes them back with :func:`save_states`."""
    ids = _created(session, waybill_ids)
    with session.no_autoflush:
        rows = session.execute(_LOCK_ROWS, {"ids": ids}).all()
    return {row.waybill_id: StateRow(row.waybill_id, row.row_version, row.last_at, row.last_lon, row.last_lat,
                                     row.fixes_checked or 0, row.skipped_fixes or 0, row.recent or [],
                                     row.runs or {}) for row in rows}


_SAVE = (update(_TABLE).where(_TABLE.c.waybill_id == bindparam("id_"), _TABLE.c.row_version == bindparam("seen_"))
         .values(row_version=bindparam("next_"), **{name: bindparam(f"{name}_") for name in _MOVED}))


#: The same on PostgreSQL as one statement over arrays (one row each), not an UPDATE executed per row.
_SAVE_ARRAYS = text("""
    UPDATE trip_states AS s
    SET row_version = v.seen + 1, last_at = timestamptz 'epoch' + v.us * interval '1 microsecond',
        last_lon = v.lon, last_lat = v.lat, fixes_checked = v.checked, skipped_fixes = v.skipped,
        recent = CAST(v.recent AS json), runs = CAST(v.runs AS json)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:seen AS int[]), CAST(:us AS bigint[]), CAST(:lon AS float8[]),
                CAST(:lat AS float8[]), CAST(:checked AS int[]), CAST(:skipped AS int[]), CAST(:recent AS text[]),
                CAST(:runs AS text[])) AS v(id, seen, us, lon, lat, checked, skipped, recent, runs)
    WHERE s.waybill_id = v.id AND s.row_version = v.seen
""")


def save_states(session: Session, states: list[TripState] | list[StateRow]) -> None:
    """Write the states a batch moved on in one statement, and drop the ORM objects' in-memory changes (they
    are written; a :class:`StateRow` takes its new version).

    What the ORM's flush would do, row by row with its bookkeeping (the most expensive part of a feed's commit
    after the INSERT), as one statement for all the rows (PostgreSQL: over arrays; elsewhere an executemany);
    the version check stays: a row changed by someone else since it was read (impossible while it is locked)
    fails the batch.
    """
    if not states:
        return
    dialect = session.get_bind().dialect
    with session.no_autoflush:
        if dialect.name == "postgresql":
            result = session.execute(_SAVE_ARRAYS, _arrays(states))
        else:
            result = session.execute(_SAVE, [
                {"id_": state.waybill_id, "seen_": state.row_version, "next_": state.row_version + 1,
                 **{f"{name}_": getattr(state, name) for name in _MOVED}} for state in states])
    if (dialect.name == "postgresql" or dialect.supports_sane_multi_rowcount) and result.rowcount != len(states):
        raise StaleDataError(f"trip_states: {len(states)} rows to update, {result.rowcount} matched")
    for state in states:
        if isinstance(state, StateRow):
            state.row_version += 1
        else:
            session.expire(state)  # its changes are written: the commit's flush has nothing left to do for it


def _arrays(states: list[TripState] | list[StateRow]) -> dict[str, list[Any]]:
    """The states' new values as the arrays of :data:`_SAVE_ARRAYS` (JSON as text, times in µs)."""
    return {"ids": [s.waybill_id for s in states], "seen": [s.row_version for s in states],
            "us": [None if s.last_at is None else nanoseconds(s.last_at) // 1000 for s in states],
            "lon": [s.last_lon for s in states], "lat": [s.last_lat for s in states],
            "checked": [s.fixes_checked for s in states], "skipped": [s.skipped_fixes for s in states],
            "recent": [json.dumps(s.recent or []) for s in states], "runs": [json.dumps(s.runs or {}) for s in states]}


def take_new(state: TripState, fixes: StoredFixes) -> StoredFixes | None:
    """The fixes just stored newer than the state's; counts the others in ``state.skipped_fixes``; ``None`` when
    nothing is new."""
    if not len(fixes):
        return None
    at, lon, lat, speed = fixes.time_ns // 1000 * 1000, fixes.lon, fixes.lat, fixes.speed_kph
    order = np.argsort(at, kind="stable")
    keep = order[np.concatenate(([True], np.diff(at[order]) > 0))]  # one fix per time, as stored
    if state.last_at is not None:
        keep = keep[at[keep] > nanoseconds(state.last_at)]
    state.skipped_fixes += len(at) - len(keep)
    if not len(keep):
        return None
    return StoredFixes(time_ns=at[keep], lon=lon[keep], lat=lat[keep], speed_kph=speed[keep])


def recent(state: TripState) -> StoredFixes:
    """The fixes of the last half minute before the batch (at least the last one), for speeds and steps."""
    rows = state.recent or []
    return StoredFixes(time_ns=np.array([r[0] for r in rows], dtype=np.int64) * 1000,
                       lon=np.array([r[1] for r in rows], dtype=float), lat=np.array([r[2] for r in rows], dtype=float),
                       speed_kph=np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float))


def joined(before: StoredFixes, after: StoredFixes) -> StoredFixes:
    """Two runs of fixes end to end."""
    return StoredFixes(*(np.concatenate((getattr(before, name), getattr(after, name)))
                         for name in ("time_ns", "lon", "lat", "speed_kph")))


def remember(state: TripState, new: StoredFixes) -> None:
    """Move the state on past *new*: its last fix, and the recent fixes for the next batch's speeds."""
    both = joined(recent(state), new)
    first = max(int(np.searchsorted(both.time_ns, both.time_ns[-1] - int(RECENT_S * 1e9))), len(both) - RECENT_MAX)
    # At most RECENT_MAX rows: a short list, not a loop over the batch. JSON has no NaN: no speed is null.
    state.recent = [[t // 1000, x, y, None if np.isnan(v) else v] for t, x, y, v in zip(
        both.time_ns[first:].tolist(), both.lon[first:].tolist(), both.lat[first:].tolist(),
        both.speed_kph[first:].tolist())]
    state.last_at = stamp(int(new.time_ns[-1]))
    state.last_lon, state.last_lat = float(new.lon[-1]), float(new.lat[-1])
    state.fixes_checked += len(new)
