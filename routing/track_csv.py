"""A clean CSV track read fast: pyarrow's CSV reader with the column types declared, times parsed once by Arrow.

``route check`` of a month of 1 Hz fixes spent most of its time reading the CSV: pandas read the times as text and
``pandas.to_datetime`` parsed them again (issue 18). Here Arrow reads the time, lon, lat (and speed) columns
only, the coordinates straight to float64 and the times as text it then casts, in one vectorised pass, to
nanoseconds (ISO 8601 with a zone offset; or all without one, which mean UTC, as elsewhere in the engine).

This is a fast path, not a second reader: whenever the file is anything but clean (a cell that is no number, a time
Arrow cannot parse, times given as epoch seconds, a mix of zoned and naive times, text that is not UTF-8), it returns
None and :func:`routing.tracks.read_track` reads the file with pandas as before, so every such record is reported
with its reason and row exactly as it always was.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from routing._lazy import lazy
from routing.tracks import EARLIEST_FIX, FixColumns, column_names, latest_fix_time

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
else:
    pa, pc, pacsv = lazy("pyarrow"), lazy("pyarrow.compute"), lazy("pyarrow.csv")

_NO_TIME = np.iinfo(np.int64).min
_EARLIEST_NS = int(EARLIEST_FIX.timestamp()) * 1_000_000_000


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
            header = next(csv.reader([stream.readline()]), [])
        names = column_names(header, source.name)
    except (UnicodeDecodeError, ValueError):  # RoutingInputError is a ValueError: the general reader says why
        return None
    wanted = {key: str(name) for key, name in names.items()}
    types = {name: pa.float64() for key, name in wanted.items() if key != "time"}
    types[wanted["time"]] = pa.string()
    try:
        table = pacsv.read_csv(source, convert_options=pacsv.ConvertOptions(
            include_columns=list(dict.fromkeys(wanted.values())), column_types=types))
        time_ns = _epoch_ns(table.column(wanted["time"]))
    except pa.ArrowException:
        return None
    if time_ns is None or not len(time_ns):  # no rows: the general reader says so
        return None
    lon, lat = (table.column(wanted[key]) for key in ("lon", "lat"))
    latest = int(latest_fix_time().timestamp()) * 1_000_000_000
    outside = (time_ns < _EARLIEST_NS) | (time_ns > latest)
    return FixColumns(
        lon=_numpy(lon), lat=_numpy(lat), missing=_nulls(lon) | _nulls(lat),
        time_ns=np.where(outside, _NO_TIME, time_ns), time_outside=outside,
        speed=_numpy(table.column(wanted["speed"])) if "speed" in wanted else None,
    )


def _epoch_ns(text: pa.ChunkedArray) -> np.ndarray | None:
    """ISO 8601 times as UTC nanoseconds: all with a zone offset, or all without one (UTC); else None."""
    for unit in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):
        try:
            return _numpy(pc.cast(text, unit).cast(pa.int64()))
        except pa.ArrowInvalid:
            continue
    return None


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as one numpy array, nulls (of a float column) as NaN. Arrow's ``to_numpy`` imports pandas,
    a third of a second of start-up for nothing: the chunks are joined and the nulls filled by Arrow, and numpy
    reads the values' buffer (read-only, no copy)."""
    array = column.combine_chunks()
    if array.null_count:
        array = pc.fill_null(array, float("nan"))
    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _nulls(column: pa.ChunkedArray) -> np.ndarray:
    """Which cells of a column were empty (what pandas reads as NaN: ``missing coordinate``)."""
    if column.null_count == 0:
        return np.zeros(len(column), dtype=bool)
    return _numpy(column.is_null().cast(pa.uint8())).astype(bool)
