"""The archive's layout on disk: paths, the fixes' schema (GeoParquet), buckets, digests and the manifest.

::

    <archive>/<YYYY-MM>/manifest.json                       what the month holds, with checksums
    <archive>/<YYYY-MM>/trips.parquet                       one row per (waybill, terminal): bucket, first/last fix
    <archive>/<YYYY-MM>/corridors/<corridor id>.geojson     what each trip was checked against (corridor + zones)
    <archive>/<YYYY-MM>/fixes/day=<YYYY-MM-DD>/bucket=<NN>/part-0.parquet

Days are UTC days, like the database's monthly partitions. A terminal's bucket is the CRC-32 of its number
modulo :data:`BUCKETS` (stable across processes, machines and Python versions, unlike ``hash()``): all fixes
of a vehicle lie in one bucket, so one task of a re-check reads one bucket's files and nobody else's.

Each fixes file is GeoParquet 1.1: the ``geometry`` column holds WKB points in WGS-84 longitude/latitude
(no ``crs`` member means OGC:CRS84), and ``lon``/``lat`` stay as plain columns for readers that know no
GeoParquet. Files carry no export time and no pandas metadata, and rows are written in (terminal, time)
order, so exporting the same fixes again gives byte-identical files (the manifest's checksums say so).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

FORMAT = "hazledger-gps-archive/1"
BUCKETS = 16
MANIFEST = "manifest.json"
TRIPS = "trips.parquet"
#: Columns a row's digest covers: a fix as the database keeps it (``received_at`` too: it is evidence).
DIGEST_COLUMNS = ("terminal_id", "at", "received_at", "lon", "lat", "speed_kph", "waybill_id")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

GEO_METADATA = {"version": "1.1.0", "primary_column": "geometry",
                "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}}}
_UTC_US = pa.timestamp("us", tz="UTC")
FIX_SCHEMA = pa.schema([
    ("terminal_id", pa.string()),
    ("at", _UTC_US),
    ("received_at", _UTC_US),
    ("lon", pa.float64()),
    ("lat", pa.float64()),
    ("speed_kph", pa.float64()),
    ("waybill_id", pa.string()),
    ("waybill_number", pa.string()),
    ("waybill_version", pa.int32()),
    ("corridor_id", pa.string()),
    ("hazard_classes", pa.list_(pa.string())),
    ("geometry", pa.binary()),
], metadata={b"geo": json.dumps(GEO_METADATA, sort_keys=True).encode()})
TRIP_SCHEMA = pa.schema([
    ("waybill_id", pa.string()),
    ("terminal_id", pa.string()),
    ("bucket", pa.int32()),
    ("first_at", _UTC_US),
    ("last_at", _UTC_US),
    ("fixes", pa.int64()),
    ("corridor_id", pa.string()),
    ("hazard_classes", pa.list_(pa.string())),
    # The waybill holds a pass (通行证), and the names of the zones it opens on the trip's corridor: the no-entry
    # zones requiring one (app.services.corridors.pass_opens) as they were at export. Absent from archives
    # written before them: read as no pass.
    ("holds_pass", pa.bool_()),
    ("pass_zones", pa.list_(pa.string())),
])


def parse_month(text: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` as its first instant and the next month's (UTC); ValueError with a one-line reason."""
    found = _MONTH.match(text or "")
    if not found:
        raise ValueError(f"--month must be YYYY-MM, got {text!r}")
    year, month = int(found[1]), int(found[2])
    start = dt.datetime(year, month, 1, tzinfo=dt.timezone.utc)
    return start, dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.timezone.utc)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def part_path(day: dt.date, bucket: int) -> str:
    """A fixes file's path inside its month's folder."""
    return f"fixes/day={day.isoformat()}/bucket={bucket:02d}/part-0.parquet"


def buckets_of(terminals: npt.NDArray[Any]) -> npt.NDArray[np.int32]:
    """Each terminal's bucket: CRC-32 of its number, once per distinct terminal."""
    distinct, inverse = np.unique(np.asarray(terminals, dtype=str), return_inverse=True)
    crc = np.array([zlib.crc32(t.encode()) % BUCKETS for t in distinct.tolist()], dtype=np.int32)
    return crc[inverse]


def row_digests(frame: pd.DataFrame) -> npt.NDArray[np.uint64]:
    """A 64-bit hash per fix over :data:`DIGEST_COLUMNS` (times as integer microseconds, so a database's
    timestamp and an archive's compare equal): summed modulo 2^64, they give a digest of a set of fixes that
    does not depend on the order the rows were read in."""
    columns = frame.loc[:, list(DIGEST_COLUMNS)].copy()
    for name in ("at", "received_at"):
        columns[name] = columns[name].to_numpy(dtype="datetime64[us]").astype(np.int64)
    columns["speed_kph"] = columns["speed_kph"].astype(float).fillna(-1.0)
    for name in ("terminal_id", "waybill_id"):  # the same text hashes alike whichever string dtype holds it
        columns[name] = columns[name].astype(object)
    return pd.util.hash_pandas_object(columns, index=False).to_numpy(dtype=np.uint64)


def digest_hex(total: int) -> str:
    return f"{total % 2 ** 64:016x}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(month_dir: Path) -> dict[str, Any]:
    """A month's manifest; ValueError with a one-line reason when there is none or it is not ours."""
    path = month_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no archive of {month_dir.name} in {month_dir.parent} (no {MANIFEST})") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a readable manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} manifest")
    return manifest


def manifest_checksum(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest's content without its own checksum (canonical JSON)."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
