"""Storing GPS fixes in bulk: one statement per batch, the fixes actually inserted returned.

A batch arrives as columns (numpy arrays), never as one Python object per fix; it may hold the fixes of several
vehicles (a carrier platform's feed), each row naming its vehicle by an index into the batch's list of
(waybill, terminal) pairs. On PostgreSQL the columns go to the server as arrays in a single
``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING``
(measured faster than COPY into a staging table for batches of up to 10,000, and no temporary table to
manage); on SQLite, SQLAlchemy's multi-row ``INSERT … RETURNING``. Either way the key (terminal, time)
decides what is new, atomically, so concurrent retries of the same batch store each fix once and each
request learns exactly which of its fixes it stored. The rows are inserted in (terminal, time) order, so two
batches that share fixes wait for each other's keys in one order and never deadlock.

PostgreSQL keeps ``gps_fixes`` partitioned by month (migration 0014). Before storing, the months of the
batch that are live (last, this and next month) are made sure to have their partition, and next month's is
made ahead so it exists before its first fix; each process remembers the months it has seen to exist, so this
costs one call per process per month. Older fixes (a late or historical upload) land in the DEFAULT partition;
``SELECT gps_fixes_partition('2025-03-01')`` gives such a month its own partition and moves its rows there.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import URL, Engine, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from models import GpsFix
from models.types import utcnow
from routing._lazy import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

#: New fixes, in time order: ``at`` (UTC), ``lon``, ``lat`` (WGS-84), ``speed_kph`` (NaN when not reported).
FIX_COLUMNS = ("at", "lon", "lat", "speed_kph")

_INSERT_ARRAYS = text("""
    WITH new AS (
        INSERT INTO gps_fixes (waybill_id, terminal_id, at, lon, lat, speed_kph)
        SELECT waybills[f.k], terminals[f.k], timestamptz 'epoch' + f.us * interval '1 microsecond', f.lon, f.lat,
               NULLIF(f.speed, 'NaN')
        FROM CAST(:waybills AS uuid[]) AS waybills, CAST(:terminals AS text[]) AS terminals,
             unnest(CAST(:k AS int[]), CAST(:us AS bigint[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]),
                    CAST(:speed AS float8[])) AS f(k, us, lon, lat, speed)
        ON CONFLICT DO NOTHING
        RETURNING waybill_id, at
    )
    SELECT array_agg(array_position(CAST(:waybills AS uuid[]), waybill_id)),
           array_agg((extract(epoch FROM at) * 1000000)::bigint)
    FROM new
""")
_PARTITION = text("SELECT gps_fixes_partition(:month)")
#: (database, month counted from 1970-01) pairs whose partition is known to exist.
_PARTITIONED: set[tuple[URL, int]] = set()


@dataclass(frozen=True)
class VehicleFixes:
    """One vehicle's fixes of a batch: valid, in time order (times strictly increasing)."""

    waybill_id: uuid.UUID
    terminal_id: str
    time_ns: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    speed_kph: npt.NDArray[np.float64] | None

    def __len__(self) -> int:
        return len(self.time_ns)


@dataclass(frozen=True)
class StoredFixes:
    """Fixes of one vehicle in time order, times to the microsecond (as stored): those a batch inserted, or of
    them those the live checks have not seen yet, or a trip's recent ones."""

    time_ns: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    speed_kph: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.time_ns)

    def frame(self) -> pd.DataFrame:
        """As a table with :data:`FIX_COLUMNS`."""
        return pd.DataFrame({"at": pd.to_datetime(self.time_ns // 1000, unit="us", utc=True), "lon": self.lon,
                             "lat": self.lat, "speed_kph": self.speed_kph}, columns=list(FIX_COLUMNS))


def store_fixes(session: Session, *, waybill_id: uuid.UUID, terminal_id: str, time_ns: npt.NDArray[np.int64],
                lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
                speed_kph: npt.NDArray[np.float64] | None) -> pd.DataFrame:
    """Insert the fixes *terminal_id* has not reported yet, in the session's transaction.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        The caller commits.
    waybill_id : uuid.UUID
        The trip the fixes belong to.
    terminal_id : str
        The vehicle's GPS terminal: with the time, the key of a fix.
    time_ns : numpy.ndarray
        UTC nanoseconds since the epoch, increasing (stored to the microsecond).
    lon, lat : numpy.ndarray
        WGS-84 degrees.
    speed_kph : numpy.ndarray or None
        Reported speed (NaN where missing), or None when the batch had none.

    Returns
    -------
    pandas.DataFrame
        The fixes this call inserted (not those stored before), in time order, with :data:`FIX_COLUMNS`.
    """
    [stored] = store_vehicle_fixes(session, [VehicleFixes(waybill_id, terminal_id, time_ns, lon, lat, speed_kph)])
    return stored.frame()


def store_vehicle_fixes(session: Session, vehicles: Sequence[VehicleFixes]) -> list[StoredFixes]:
    """Insert the fixes of several vehicles in one statement; for each, those not stored before.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        The caller commits.
    vehicles : sequence of VehicleFixes
        One entry per vehicle (the same terminal under two waybills is not expected; the key decides).

    Returns
    -------
    list of StoredFixes
        For each entry of *vehicles*, in the same order, the fixes this call inserted.
    """
    micros = [v.time_ns // 1000 for v in vehicles]
    speeds = [np.full(len(v), np.nan) if v.speed_kph is None else v.speed_kph for v in vehicles]
    which = np.repeat(np.arange(len(vehicles)), [len(v) for v in vehicles])
    all_micros = np.concatenate(micros) if vehicles else np.zeros(0, dtype=np.int64)
    if len(all_micros) == 0:
        inserted_which, inserted = which, all_micros
    elif session.get_bind().dialect.name == "postgresql":
        _ensure_partitions(session.get_bind().engine, all_micros)
        # Rows in (terminal, time) order: each vehicle's are in time order already, so order the vehicles.
        rank = np.empty(len(vehicles), dtype=np.intp)
        rank[sorted(range(len(vehicles)), key=lambda n: vehicles[n].terminal_id)] = np.arange(len(vehicles))
        rows = np.argsort(rank[which], kind="stable")  # one sort, not a scan of the batch per vehicle
        lon, lat = np.concatenate([v.lon for v in vehicles]), np.concatenate([v.lat for v in vehicles])
        found = session.execute(_INSERT_ARRAYS, {
            "waybills": "{" + ",".join(str(v.waybill_id) for v in vehicles) + "}",
            "terminals": _text_array([v.terminal_id for v in vehicles]), "k": _array_literal(which[rows] + 1),
            "us": _array_literal(all_micros[rows]), "lon": _array_literal(lon[rows]),
            "lat": _array_literal(lat[rows]), "speed": _array_literal(np.concatenate(speeds)[rows])}).one()
        inserted_which = np.array(found[0] or [], dtype=np.int64) - 1
        inserted = np.array(found[1] or [], dtype=np.int64)
    else:
        inserted_which, inserted = _insert_returning(session, vehicles, micros, speeds)
    # A fix is new when its (vehicle, time) came back: one membership test for the batch, on combined keys.
    span = int(all_micros.max()) - int(all_micros.min()) + 1 if len(all_micros) else 1
    base = int(all_micros.min()) if len(all_micros) else 0
    new = np.isin(which * span + (all_micros - base), inserted_which * span + (inserted - base))
    bounds = np.cumsum([0] + [len(v) for v in vehicles])
    stored = []
    for n, vehicle in enumerate(vehicles):  # one pass per vehicle, not per fix
        mine = new[bounds[n]:bounds[n + 1]]
        stored.append(StoredFixes(time_ns=micros[n][mine] * 1000, lon=vehicle.lon[mine], lat=vehicle.lat[mine],
                                  speed_kph=speeds[n][mine]))
    return stored


def _array_literal(values: npt.NDArray[Any]) -> str:
    """An array as PostgreSQL's text form, ``{1.5,2.0,nan}``: formatted and parsed in C at both ends, about three
    times faster for a batch than the driver's adaptation of a list element by element."""
    return "{" + str(values.tolist())[1:-1] + "}"


def _text_array(values: list[str]) -> str:
    """Strings as a PostgreSQL array literal, each quoted (terminal numbers are digits, but who knows)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _insert_returning(session: Session, vehicles: Sequence[VehicleFixes], micros: list[npt.NDArray[np.int64]],
                      speeds: list[npt.NDArray[np.float64]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """SQLite: one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING (the embedded, single-writer store)."""
    which = {v.waybill_id: n for n, v in enumerate(vehicles)}
    speed = np.concatenate(speeds)
    rows = pd.DataFrame({"waybill_id": np.repeat([v.waybill_id for v in vehicles], [len(v) for v in vehicles]),
                         "terminal_id": np.repeat([v.terminal_id for v in vehicles], [len(v) for v in vehicles]),
                         "at": pd.to_datetime(np.concatenate(micros), unit="us", utc=True),
                         "lon": np.concatenate([v.lon for v in vehicles]),
                         "lat": np.concatenate([v.lat for v in vehicles]),
                         "speed_kph": pd.Series(speed, dtype=object).where(~np.isnan(speed), None)})
    table = GpsFix.__table__
    stmt = (sqlite.insert(table).on_conflict_do_nothing(index_elements=["terminal_id", "at"])
            .returning(table.c.waybill_id, table.c.at))
    stored = session.execute(stmt, rows.to_dict("records")).all()
    at = pd.to_datetime(pd.Series([r[1] for r in stored], dtype=object), utc=True)
    return (np.array([which[r[0]] for r in stored], dtype=np.int64),
            at.to_numpy(dtype="datetime64[us]").astype(np.int64))


def _ensure_partitions(engine: Engine, micros: npt.NDArray[np.int64]) -> None:
    """Give the batch's live months (and next month) a partition, on a connection of their own.

    The partition is attached in its own short transaction: the lock it takes is released at once, and a batch
    that fails afterwards cannot roll the partition back behind this process's memory of it.
    """
    now = utcnow()
    this_month = (now.year - 1970) * 12 + now.month - 1  # months since the epoch, as numpy counts them
    months = np.unique(micros.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64))
    wanted = {int(m) for m in months if this_month - 1 <= m <= this_month + 1} | {this_month + 1}
    missing = sorted(m for m in wanted if (engine.url, m) not in _PARTITIONED)
    if not missing:
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
        for month in missing:
            first_day = dt.datetime(1970 + month // 12, month % 12 + 1, 1, tzinfo=dt.timezone.utc)
            connection.execute(_PARTITION, {"month": first_day})
        connection.commit()
    _PARTITIONED.update((engine.url, m) for m in missing)
