"""``history export`` / ``history verify``: GeoParquet by day and bucket, idempotent, checked against the database."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
from sqlalchemy import func, select, text

from app.history.layout import parse_month
from models import GpsFix, Waybill
from models.engine import make_engine


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_is_geoparquet_idempotent_and_verified_against_the_database(
        run, demo_months, fresh_database_url, tmp_path):
    archive = tmp_path / "archive"
    for month in demo_months:
        result = run("history", "export", "--month", month, "--out", str(archive), "--format", "json")
        assert result.exit_code == 0, result.output
    first = _files(archive)
    for month in demo_months:
        assert run("history", "export", "--month", month, "--out", str(archive)).exit_code == 0
    assert _files(archive) == first  # the same files, byte for byte

    engine = make_engine(fresh_database_url)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(GpsFix)).scalar_one()
        waybill = connection.execute(select(Waybill.id, Waybill.number, Waybill.corridor_id)
                                     .where(Waybill.id == select(GpsFix.waybill_id).limit(1).scalar_subquery())).one()
    manifests = [json.loads((archive / m / "manifest.json").read_text()) for m in demo_months]
    assert sum(m["rows"] for m in manifests) == stored
    files = [archive / m["month"] / f["path"] for m in manifests for f in m["files"]]
    frame = gpd.read_parquet(files[0])
    assert frame.crs.to_string() == "OGC:CRS84"
    assert frame.geometry.x.tolist() == frame["lon"].tolist()
    assert set(frame["waybill_number"]) == {waybill.number}
    assert set(frame["corridor_id"]) == {str(waybill.corridor_id)}
    assert sum(pq.read_metadata(f).num_rows for f in files) == stored
    for month in demo_months:
        verified = run("history", "verify", "--month", month, "--out", str(archive), "--format", "json")
        assert verified.exit_code == 0, verified.output
        assert json.loads(verified.stdout)["problems"] == []

    # A fix stored after the export: the database and the archive differ, named by file.
    late = frame["at"].iloc[0].to_pydatetime() + dt.timedelta(microseconds=1)
    with engine.begin() as connection:
        connection.execute(GpsFix.__table__.insert().values(
            waybill_id=uuid.UUID(frame["waybill_id"].iloc[0]), terminal_id=frame["terminal_id"].iloc[0], at=late,
            lon=121.0, lat=31.0))
    engine.dispose()
    month = f"{late.year:04d}-{late.month:02d}"
    differs = run("history", "verify", "--month", month, "--out", str(archive))
    assert differs.exit_code == 1
    assert f"the database holds {frame.shape[0] + 1} fixes" in differs.stdout
    assert run("history", "verify", "--month", month, "--out", str(archive), "--files-only").exit_code == 0

    # A file altered on disk: its checksum no longer matches, even without the database.
    damaged = files[0].read_bytes()
    files[0].write_bytes(damaged[:-9] + bytes([damaged[-9] ^ 1]) + damaged[-8:])
    broken = run("history", "verify", "--month", demo_months[0], "--out", str(archive), "--files-only")
    assert broken.exit_code == 1 and "SHA-256 differs" in broken.stdout


def test_bad_input_exits_2_with_one_line_and_writes_nothing(run, tmp_path):
    archive = tmp_path / "archive"
    for args, reason in [
        (["export", "--month", "2025-13"], "YYYY-MM"),
        (["export", "--month", "2001-01"], "no fixes stored for 2001-01"),
        (["verify", "--month", "2001-01"], "no archive of 2001-01"),
        (["check", "--from", "2001-01-01", "--to", "2001-01-31"], "is archived"),
        (["check", "--from", "2001-02-01", "--to", "2001-01-31"], "before --from"),
        (["check", "--from", "yesterday", "--to", "2001-01-31"], "--from must be a date"),
    ]:
        result = run("history", *args, "--out" if args[0] != "check" else "--archive", str(archive))
        assert result.exit_code == 2, (args, result.output)
        assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not archive.exists() or not any(p.is_file() for p in archive.rglob("*"))


def test_a_partition_can_be_dropped_once_archived(run, demo_months, fresh_database_url, tmp_path):
    """What docs/history.md tells the operator: archive, verify, then delete (SQLite) or detach and drop
    (PostgreSQL) the month; the archive alone still verifies against its manifest."""
    archive = tmp_path / "archive"
    engine = make_engine(fresh_database_url)
    for month in demo_months:
        assert run("history", "export", "--month", month, "--out", str(archive)).exit_code == 0
        assert run("history", "verify", "--month", month, "--out", str(archive)).exit_code == 0
        start, end = parse_month(month)
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                name = f"gps_fixes_{month.replace('-', '_')}"
                connection.execute(text("SELECT gps_fixes_partition(:m)"), {"m": start})
                connection.execute(text(f"ALTER TABLE gps_fixes DETACH PARTITION {name}"))
                connection.execute(text(f"DROP TABLE {name}"))
            else:
                connection.execute(GpsFix.__table__.delete().where(GpsFix.at >= start, GpsFix.at < end))
        assert run("history", "verify", "--month", month, "--out", str(archive), "--files-only").exit_code == 0
        assert run("history", "verify", "--month", month, "--out", str(archive)).exit_code == 1
    engine.dispose()
