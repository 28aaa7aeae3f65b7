"""A clean CSV track read fast: pyarrow's CSV reader with the column types declared, times parsed by the reader.

``route check`` of a month of 1 Hz fixes spent most of its time reading the CSV: pandas read the times as text and
``pandas.to_datetime`` parsed them again (issue 18). Here Arrow reads the time, lon, lat (and speed) columns
only, on its own threads: the coordinates straight to float64, the times straight to UTC nanoseconds (ISO 8601
with a zone offset; or all without one, which mean UTC, as elsewhere in the engine). Only ``pyarrow.csv`` is
imported: ``pyarrow.compute`` (with the docstring machinery it builds, pydoc) cost a tenth of a second of the
command's start-up, and numpy reads the columns' buffers directly.

This is a fast path, not a second reader: whenever the file is anything but clean (a cell that is no number, a time
Arrow cannot parse, times given as epoch seconds, a mix of zoned and naive times, text that is not UTF-8), it returns
None and :func:`routing.tracks.read_track` reads the file with pandas as before, so every such record is reported
with its reason and row exactly as it always was.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from routing._lazy import lazy
from routing.tracks import (
    EARLIEST_FIX, MAX_SPEED_KPH, FixColumns, Track, clean_csv_track, column_names, is_csv, latest_fix_time,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.csv as pacsv
else:
    pa, pacsv = lazy("pyarrow"), lazy("pyarrow.csv")

_NO_TIME = np.iinfo(np.int64).min
_EARLIEST_NS = int(EARLIEST_FIX.timestamp()) * 1_000_000_000


@contextmanager
def reading_ahead(path: Path, *, gcj02: bool = False,
                  max_speed_kph: float = MAX_SPEED_KPH) -> Iterator[Callable[[], Track | None] | None]:
    """Start reading and validating a CSV track on a thread (:func:`routing.tracks.clean_csv_track`); yield the
    getter of its result, for :func:`routing.tracks.read_track`'s ``clean``; None for a track that is no CSV file.

    Arrow parses the file on its own threads without the GIL, and numpy validates it, so ``route check`` imports
    shapely and pyproj and loads the corridor meanwhile (issue 18). The thread imports nothing: pyarrow's reader
    (and for GCJ-02 the projections) are imported here first, as imports made by two threads at once can deadlock
    on each other's module locks.
    """
    if not (is_csv(path) and path.is_file()):
        yield None
        return
    pacsv.ConvertOptions  # noqa: B018 - the lazy module imported now, in the caller's thread
    if gcj02:
        import routing.projection  # noqa: F401 - see above

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-read") as pool:
        yield pool.submit(clean_csv_track, path, gcj02=gcj02, max_speed_kph=max_speed_kph).result


def csv_columns(source: Path) -> FixColumns | None:
    """The fixes of a clean CSV file as arrays; None when the file needs the general reader (see the module).

    Parameters
    ----------
    source : pathlib.Path
        A CSV file with a header naming the time, lon and lat columns (:data:`routing.tracks._ALIASES`).

    Returns
    -------
    FixColumns or None
    """
    try:
        with source.open(encoding="utf-8-sig", newline="") as stream:
            header, first = (next(csv.reader([stream.readline()]), []) for _ in range(2))
        names = column_names(header, source.name)
    except (UnicodeDecodeError, ValueError):  # RoutingInputError is a ValueError: the general reader says why
        return None
    at = header.index(names["time"])
    first_time = first[at] if at < len(first) else ""
    wanted = {key: str(name) for key, name in names.items()}
    table = _table(source, wanted, zoned=_zoned(first_time))
    if table is None or not table.num_rows or table.column(wanted["time"]).null_count:
        return None  # no rows, or a time cell empty (or "NA"): the general reader says so, with the row
    time_ns = _values(table.column(wanted["time"]), np.int64)
    lon, lat = (table.column(wanted[key]) for key in ("lon", "lat"))
    latest = int(latest_fix_time().timestamp()) * 1_000_000_000
    outside = (time_ns < _EARLIEST_NS) | (time_ns > latest)
    return FixColumns(
        lon=_values(lon, np.float64), lat=_values(lat, np.float64), missing=_nulls(lon) | _nulls(lat),
        time_ns=np.where(outside, _NO_TIME, time_ns), time_outside=outside,
        speed=_values(table.column(wanted["speed"]), np.float64) if "speed" in wanted else None,
    )


def _zoned(text: str) -> bool:
    """Whether an ISO 8601 time has a zone offset (``Z``, ``+08``, ``+0800``, ``+08:00``): the type the reader
    tries first for the column (a guess: the other is tried when it is wrong)."""
    clock = text.strip().partition("T")[2] or text.strip()[10:]
    return clock.endswith(("Z", "z")) or "+" in clock or "-" in clock


def _table(source: Path, wanted: dict[str, str], *, zoned: bool) -> pa.Table | None:
    """The wanted columns, the times as UTC nanoseconds: all with a zone offset, or all without one (UTC), as
    Arrow's ISO 8601 parser reads them; None when neither reads every cell (a mix, epoch seconds, a stray text)."""
    types: dict[str, Any] = {name: pa.float64() for key, name in wanted.items() if key != "time"}
    for unit in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns"))[:: 1 if zoned else -1]:
        types[wanted["time"]] = unit
        try:
            return pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(
                include_columns=list(dict.fromkeys(wanted.values())), column_types=types))
        except pa.ArrowInvalid:
            continue
        except pa.ArrowException:
            return None
    return None


def _values(column: pa.ChunkedArray, dtype: type[np.generic]) -> np.ndarray:
    """A float64 or timestamp column as one numpy array of *dtype*, nulls as NaN (floats). Arrow's ``to_numpy``
    imports pandas, a third of a second of start-up for nothing: numpy reads each chunk's values buffer."""
    size = np.dtype(dtype).itemsize
    parts = [np.frombuffer(chunk.buffers()[1], dtype=dtype, count=len(chunk), offset=chunk.offset * size)
             for chunk in column.chunks if len(chunk)]
    values = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    if column.null_count:
        values[_nulls(column)] = np.nan
    return values


def _nulls(column: pa.ChunkedArray) -> np.ndarray:
    """Which cells of a column were empty (what pandas reads as NaN: ``missing coordinate``), from each chunk's
    validity bitmap."""
    if column.null_count == 0:
        return np.zeros(len(column), dtype=bool)
    masks = []
    for chunk in column.chunks:
        bitmap = chunk.buffers()[0]
        if bitmap is None:
            masks.append(np.zeros(len(chunk), dtype=bool))
            continue
        bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), count=chunk.offset + len(chunk), bitorder="little")
        masks.append(bits[chunk.offset:] == 0)
    return np.concatenate(masks)
