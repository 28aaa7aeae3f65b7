"""``history export`` and ``history verify``: a month of ``gps_fixes`` to GeoParquet, and back to the database.

The month is read one UTC day at a time, in (terminal, time) order, through a server-side cursor in chunks of
:data:`CHUNK_ROWS` (PostgreSQL streams them; SQLite's cursor fetches as it goes), and each chunk goes to the
open file of its terminal's bucket, written out in row groups of :data:`ROWS_PER_GROUP`: memory is bounded by
a chunk plus one row group per bucket, whatever the month holds. The waybill's number and current version, its
corridor (a corridor record never changes: an amended corridor is a new record, so its id is its version) and
its cargo's hazard classes are joined in per chunk, from a few queries per chunk's new waybills.

The month is written to a folder of its own next to the archive's and swapped in only once complete, so a
failed export leaves the previous one as it was. Verifying reads the database the same way and compares each
file's row count and content digest (:func:`~app.history.layout.row_digests`) with the manifest, and each file's
bytes with its SHA-256.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.history import layout
from app.services.corridors import pass_opens, trip_geojson, zone_near
from models import Corridor, GpsFix, Waybill, WaybillLine, WaybillVersion, Zone

CHUNK_ROWS = 50_000
ROWS_PER_GROUP = 65_536
_FIX_COLUMNS = ("terminal_id", "at", "received_at", "lon", "lat", "speed_kph", "waybill_id")


@dataclass
class _Attributes:
    """What a waybill adds to each of its fixes."""

    number: str
    version: int
    corridor_id: str | None
    hazard_classes: list[str]
    holds_pass: bool
    #: The zones the pass opens on the corridor (names; none without a pass): what the live check left out.
    pass_zones: list[str]


@dataclass
class PartStats:
    """Rows and content digest of one (day, bucket) file."""

    rows: int = 0
    digest: int = 0

    def add(self, frame: pd.DataFrame) -> None:
        self.rows += len(frame)
        self.digest = (self.digest + int(layout.row_digests(frame).sum(dtype=np.uint64))) % 2 ** 64


@dataclass
class _Trips:
    """First and last fix and count per (waybill, terminal), merged chunk by chunk."""

    seen: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def add(self, frame: pd.DataFrame) -> None:
        grouped = frame.groupby(["waybill_id", "terminal_id"], sort=False)["at"].agg(["min", "max", "size"])
        for (waybill, terminal), first, last, size in grouped.itertuples():  # per trip of the chunk, not per fix
            known = self.seen.get((waybill, terminal))
            if known is None:
                self.seen[(waybill, terminal)] = [first, last, int(size)]
            else:
                known[0], known[1], known[2] = min(known[0], first), max(known[1], last), known[2] + int(size)


def month_frames(session: Session, month: str) -> Iterator[tuple[dt.date, pd.DataFrame]]:
    """The month's fixes as (UTC day, chunk) pairs, each chunk in (terminal, time) order."""
    start, end = layout.parse_month(month)
    day = start
    while day < end:
        following = day + dt.timedelta(days=1)
        stmt = (select(*(getattr(GpsFix, c) for c in _FIX_COLUMNS))
                .where(GpsFix.at >= day, GpsFix.at < following).order_by(GpsFix.terminal_id, GpsFix.at))
        result = session.execute(stmt, execution_options={"stream_results": True, "yield_per": CHUNK_ROWS})
        for rows in result.partitions():
            frame = pd.DataFrame(rows, columns=list(_FIX_COLUMNS))
            frame["waybill_id"] = frame["waybill_id"].astype(str)
            frame["speed_kph"] = frame["speed_kph"].astype(float)
            yield day.date(), frame
        day = following


def export_month(session: Session, archive: Path, month: str) -> dict[str, Any]:
    """Write *month* of ``gps_fixes`` under *archive* (replacing an earlier export of it); the manifest.

    Raises ValueError with a one-line reason (bad month, no fixes, archive not writable); writes nothing then.
    """
    layout.parse_month(month)
    try:
        archive.mkdir(parents=True, exist_ok=True)
        work = Path(archive / f".{month}.export-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        work.mkdir()
    except OSError as error:
        raise ValueError(f"cannot write to {archive}: {error.strerror}") from None
    try:
        manifest = _write_month(session, work, month)
        _swap_in(work, archive / month)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _write_month(session: Session, work: Path, month: str) -> dict[str, Any]:
    attributes: dict[str, _Attributes] = {}
    trips = _Trips()
    files = []
    writer = _DayWriter(work)
    for day, frame in month_frames(session, month):
        if writer.day != day:
            files += writer.close()
            writer.day = day
        join_attributes(session, frame, attributes)
        trips.add(frame)
        writer.write(frame)
    files += writer.close()
    if not files:
        raise ValueError(f"no fixes stored for {month}: nothing written")
    corridors = _write_corridors(session, work, {a.corridor_id for a in attributes.values() if a.corridor_id})
    trip_rows = _write_trips(work, trips, attributes)
    manifest: dict[str, Any] = {
        "format": layout.FORMAT, "month": month, "buckets": layout.BUCKETS,
        "rows": sum(f["rows"] for f in files), "waybills": len(attributes),
        "files": files, "trips": {"path": layout.TRIPS, "rows": trip_rows,
                                  "sha256": layout.sha256_file(work / layout.TRIPS)},
        "corridors": corridors,
    }
    manifest["checksum"] = layout.manifest_checksum(manifest)
    (work / layout.MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


class _DayWriter:
    """The open files of one day, one per bucket, fed chunk by chunk and written in row groups."""

    def __init__(self, root: Path):
        self.root, self.day = root, None
        self.buffers: dict[int, list[pd.DataFrame]] = {}
        self.writers: dict[int, pq.ParquetWriter] = {}
        self.stats: dict[int, PartStats] = {}

    def write(self, frame: pd.DataFrame) -> None:
        bucket = layout.buckets_of(frame["terminal_id"].to_numpy())
        for number in np.unique(bucket).tolist():
            part = frame[bucket == number]
            self.stats.setdefault(number, PartStats()).add(part)
            self.buffers.setdefault(number, []).append(part)
            if sum(len(b) for b in self.buffers[number]) >= ROWS_PER_GROUP:
                self._flush(number)

    def _flush(self, bucket: int) -> None:
        frame = pd.concat(self.buffers.pop(bucket), ignore_index=True)
        if bucket not in self.writers:
            path = self.root / layout.part_path(self.day, bucket)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[bucket] = pq.ParquetWriter(path, layout.FIX_SCHEMA, compression="zstd")
        for start in range(0, len(frame), ROWS_PER_GROUP):
            self.writers[bucket].write_table(fix_table(frame.iloc[start:start + ROWS_PER_GROUP]))

    def close(self) -> list[dict[str, Any]]:
        """Finish the day's files; their manifest entries."""
        for bucket in list(self.buffers):
            self._flush(bucket)
        entries = []
        for bucket in sorted(self.writers):
            self.writers[bucket].close()
            path = layout.part_path(self.day, bucket)
            entries.append({"path": path, "day": self.day.isoformat(), "bucket": bucket,
                            "rows": self.stats[bucket].rows, "digest": layout.digest_hex(self.stats[bucket].digest),
                            "sha256": layout.sha256_file(self.root / path)})
        self.writers, self.stats = {}, {}
        return entries


def fix_table(frame: pd.DataFrame) -> pa.Table:
    """Fixes with their waybill's attributes as an Arrow table of :data:`~app.history.layout.FIX_SCHEMA`."""
    lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    columns = {
        "terminal_id": frame["terminal_id"].astype(object).to_numpy(),
        "at": frame["at"].to_numpy(dtype="datetime64[us]"),
        "received_at": frame["received_at"].to_numpy(dtype="datetime64[us]"),
        "lon": lon, "lat": lat,
        "speed_kph": pa.array(frame["speed_kph"].to_numpy(dtype=float), from_pandas=True),
        "waybill_id": frame["waybill_id"].astype(object).to_numpy(),
        "waybill_number": frame["waybill_number"].astype(object).to_numpy(),
        "waybill_version": frame["waybill_version"].to_numpy(dtype=np.int32),
        "corridor_id": frame["corridor_id"].astype(object).to_numpy(),
        "hazard_classes": frame["hazard_classes"].tolist(),
        "geometry": shapely.to_wkb(shapely.points(lon, lat)),
    }
    return pa.Table.from_pydict(columns, schema=layout.FIX_SCHEMA)


def join_attributes(session: Session, frame: pd.DataFrame, known: dict[str, _Attributes]) -> None:
    """Add the waybill's number, version, corridor, hazard classes, whether it holds a pass and the zones that
    pass opens to each row of *frame* (its fixes, or its trips); *known* remembers the waybills read (queries
    only for new ones)."""
    new = [w for w in pd.unique(frame["waybill_id"]).tolist() if w not in known]
    if new:
        ids = [uuid.UUID(w) for w in new]
        rows = session.execute(
            select(Waybill.id, Waybill.number, Waybill.version, Waybill.corridor_id, WaybillVersion.id,
                   Waybill.pass_number.is_not(None))
            .join(WaybillVersion, and_(WaybillVersion.waybill_id == Waybill.id,
                                       WaybillVersion.version == Waybill.version))
            .where(Waybill.id.in_(ids))).all()
        opened = _pass_zones(session, {r[3] for r in rows if r[3] is not None and r[5]})
        classes: dict[uuid.UUID, set[str]] = {r[4]: set() for r in rows}
        for version_id, hazard_class in session.execute(
                select(WaybillLine.version_id, WaybillLine.hazard_class)
                .where(WaybillLine.version_id.in_(list(classes)))):
            if hazard_class:
                classes[version_id].add(hazard_class)
        for waybill_id, number, version, corridor_id, version_id, holds_pass in rows:
            known[str(waybill_id)] = _Attributes(
                number, version, str(corridor_id) if corridor_id else None, sorted(classes[version_id]),
                bool(holds_pass), opened.get(corridor_id, []) if holds_pass else [])
    attributes = [known[w] for w in frame["waybill_id"].tolist()]
    frame["waybill_number"] = [a.number for a in attributes]
    frame["waybill_version"] = [a.version for a in attributes]
    frame["corridor_id"] = [a.corridor_id for a in attributes]
    frame["hazard_classes"] = [a.hazard_classes for a in attributes]
    frame["holds_pass"] = [a.holds_pass for a in attributes]
    frame["pass_zones"] = [a.pass_zones for a in attributes]


def _pass_zones(session: Session, corridor_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Per corridor, the names of the zones around it that a pass opens (the zones
    :func:`~app.services.corridors.trip_geojson` leaves out for a pass holder), in one query."""
    opened: dict[uuid.UUID, list[str]] = {}
    if corridor_ids:
        for corridor_id, name in session.execute(
                select(Corridor.id, Zone.name).join(Zone, zone_near(Corridor))
                .where(Corridor.id.in_(list(corridor_ids)), pass_opens(Zone)).order_by(Zone.name)):
            opened.setdefault(corridor_id, []).append(name)
    return opened


def _write_corridors(session: Session, work: Path, corridor_ids: set[str]) -> list[dict[str, Any]]:
    """Each corridor the month's trips ran on, with the zones around it as they are now: the check's input."""
    entries = []
    for corridor_id in sorted(corridor_ids):
        path = f"corridors/{corridor_id}.geojson"
        (work / path).parent.mkdir(exist_ok=True)
        document = trip_geojson(session, session.get(Corridor, uuid.UUID(corridor_id)))
        (work / path).write_text(json.dumps(document, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        entries.append({"id": corridor_id, "path": path, "sha256": layout.sha256_file(work / path)})
    return entries


def _write_trips(work: Path, trips: _Trips, attributes: dict[str, _Attributes]) -> int:
    keys = sorted(trips.seen)
    terminals = np.array([k[1] for k in keys], dtype=object)
    table = pa.Table.from_pydict({
        "waybill_id": [k[0] for k in keys], "terminal_id": terminals.tolist(),
        "bucket": layout.buckets_of(terminals) if keys else np.zeros(0, np.int32),
        "first_at": [trips.seen[k][0] for k in keys], "last_at": [trips.seen[k][1] for k in keys],
        "fixes": [trips.seen[k][2] for k in keys],
        "corridor_id": [attributes[k[0]].corridor_id for k in keys],
        "hazard_classes": [attributes[k[0]].hazard_classes for k in keys],
        "holds_pass": [attributes[k[0]].holds_pass for k in keys],
        "pass_zones": [attributes[k[0]].pass_zones for k in keys],
    }, schema=layout.TRIP_SCHEMA)
    pq.write_table(table, work / layout.TRIPS, compression="zstd")
    return len(keys)


def _swap_in(work: Path, target: Path) -> None:
    """Put the finished month in place of an earlier export of it (kept until the new one is in place)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def verify_month(session: Session | None, archive: Path, month: str) -> dict[str, Any]:
    """Compare *month*'s archive with its manifest, and (given a session) with the database.

    Returns ``{"ok", "month", "rows", "files", "problems"}``; raises ValueError when there is no archive of it.
    """
    layout.parse_month(month)
    folder = archive / month
    manifest = layout.read_manifest(folder)
    problems = []
    if manifest.get("checksum") != layout.manifest_checksum(manifest):
        problems.append("manifest: its checksum does not match its content")
    listed = {f["path"]: f for f in manifest["files"]}
    for path, entry in listed.items():
        problems += _check_file(folder, path, entry)
    for extra in sorted(p.relative_to(folder).as_posix() for p in folder.glob("fixes/*/*/*.parquet")):
        if extra not in listed:
            problems.append(f"{extra}: in the archive but not in the manifest")
    for entry in [manifest["trips"], *manifest["corridors"]]:
        if not (folder / entry["path"]).is_file() or layout.sha256_file(folder / entry["path"]) != entry["sha256"]:
            problems.append(f"{entry['path']}: missing or its SHA-256 differs from the manifest")
    if session is not None:
        problems += _compare_database(session, month, listed)
    return {"ok": not problems, "month": month, "rows": manifest["rows"], "files": len(listed),
            "database_checked": session is not None, "problems": problems}


def _check_file(folder: Path, path: str, entry: dict[str, Any]) -> list[str]:
    file = folder / path
    if not file.is_file():
        return [f"{path}: missing"]
    if layout.sha256_file(file) != entry["sha256"]:
        return [f"{path}: SHA-256 differs from the manifest"]
    stats = PartStats()
    stats.add(pq.read_table(file, columns=list(layout.DIGEST_COLUMNS)).to_pandas())
    if (stats.rows, layout.digest_hex(stats.digest)) != (entry["rows"], entry["digest"]):
        return [f"{path}: holds {stats.rows} fixes (digest {layout.digest_hex(stats.digest)}), the manifest says "
                f"{entry['rows']} ({entry['digest']})"]
    return []


def _compare_database(session: Session, month: str, listed: dict[str, dict[str, Any]]) -> list[str]:
    found: dict[str, PartStats] = {}
    for day, frame in month_frames(session, month):
        bucket = layout.buckets_of(frame["terminal_id"].to_numpy())
        for number in np.unique(bucket).tolist():
            found.setdefault(layout.part_path(day, number), PartStats()).add(frame[bucket == number])
    problems = []
    for path in sorted(set(found) | set(listed)):
        stats, entry = found.get(path, PartStats()), listed.get(path, {"rows": 0, "digest": layout.digest_hex(0)})
        if (stats.rows, layout.digest_hex(stats.digest)) != (entry["rows"], entry["digest"]):
            problems.append(f"{path}: the database holds {stats.rows} fixes (digest {layout.digest_hex(stats.digest)}),"
                            f" the archive {entry['rows']} ({entry['digest']})")
    return problems
