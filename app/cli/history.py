"""``hazledger history``: monthly GeoParquet archives of the GPS fixes, and re-checks of past trips on Dask.

Exit codes as everywhere (CONTRACT.md): 0 done, 1 a finding (``verify``: the archive and the database differ),
2 bad input with a one-line reason on stderr and nothing written.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from app.cli import CliContext
from app.cli._common import EXIT_FINDING, echo_json, fail
from app.extensions import db

#: Where archives go unless ``--archive`` / ``HAZLEDGER_ARCHIVE_DIR`` say otherwise.
DEFAULT_ARCHIVE = Path("instance/archive")
_DIR = click.Path(file_okay=False, path_type=Path)
_archive_option = click.option(
    "--archive", "--out", "archive", type=_DIR, default=None,
    help="Archive folder (default $HAZLEDGER_ARCHIVE_DIR or instance/archive).")


def _archive_dir(given: Path | None) -> Path:
    return given or Path(os.environ.get("HAZLEDGER_ARCHIVE_DIR") or DEFAULT_ARCHIVE)


@click.group("history")
def history() -> None:
    """Archive GPS fixes by month (GeoParquet) and re-check past trips on a Dask cluster."""


@history.command("export")
@click.option("--month", required=True, metavar="YYYY-MM", help="The UTC month of fixes to archive.")
@_archive_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def export(obj: CliContext, month: str, archive: Path | None, fmt: str) -> None:
    """Write a month of GPS fixes to GeoParquet by day and terminal bucket, with a manifest; exporting again
    gives the same files."""
    from app.history.export import export_month

    target = _archive_dir(archive)
    with obj.app.app_context():
        try:
            manifest = export_month(db.session, target, month)
        except ValueError as error:
            fail(str(error))
    if fmt == "json":
        echo_json(manifest)
    else:
        click.echo(f"{month}: {manifest['rows']} fixes of {manifest['waybills']} waybill(s) in "
                   f"{len(manifest['files'])} file(s) under {target / month} (manifest {manifest['checksum'][:16]})")


@history.command("verify")
@click.option("--month", required=True, metavar="YYYY-MM")
@_archive_option
@click.option("--files-only", is_flag=True,
              help="Check the files against the manifest only (the month's partition is gone from the database).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def verify(obj: CliContext, month: str, archive: Path | None, files_only: bool, fmt: str) -> None:
    """Check a month's archive against its manifest and the database: counts, content digests, SHA-256;
    exit 1 naming what differs."""
    from app.history.export import verify_month

    with obj.app.app_context():
        try:
            result = verify_month(None if files_only else db.session, _archive_dir(archive), month)
        except ValueError as error:
            fail(str(error))
    if fmt == "json":
        echo_json(result)
    else:
        against = "manifest and database" if result["database_checked"] else "manifest"
        verdict = "OK" if result["ok"] else "DIFFERS"
        click.echo(f"{month}: archive {verdict} against its {against} ({result['rows']} fixes, "
                   f"{result['files']} files)")
        for problem in result["problems"]:
            click.echo(f"  {problem}")
    if not result["ok"]:
        sys.exit(EXIT_FINDING)


@history.command("check")
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD", help="First UTC day a trip may start on.")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD", help="Last UTC day a trip may start on.")
@click.option("--corridors", "corridors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Check every trip against this corridor GeoJSON instead of its own.")
@click.option("--current", is_flag=True,
              help="Check each trip against its corridor with the zones around it now (default: as archived).")
@_archive_option
@click.option("--source", type=click.Choice(["archive", "database"]), default="archive", show_default=True,
              help="Read the trips from the archive, or from the database (its current corridors and zones).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster on this machine).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes of the local cluster.")
@click.option("--in-process", is_flag=True, help="Local workers as threads of this process (small runs).")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("history-check.parquet"), show_default=True,
              help="Episodes table (Parquet); the trips go beside it as <name>.trips.parquet.")
@click.option("--no-progress", is_flag=True, help="No progress bar on stderr.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def check(obj: CliContext, first: str, last: str, corridors: Path | None, current: bool, archive: Path | None,
          source: str, scheduler: str | None, workers: int, in_process: bool, output: Path, no_progress: bool,
          fmt: str) -> None:
    """Re-check the archived trips that started in a period with the routing checks of `route check`, on
    Dask; write their episodes and print a summary, with the trips whose result differs from the live alerts."""
    from app.history.cluster import ClusterSpec, history_check, parse_day, write_parquet

    try:
        if corridors is not None and current:
            raise ValueError("--corridors and --current exclude each other")
        start, end = parse_day(first, "--from"), parse_day(last, "--to")
        if not output.parent.is_dir():
            raise ValueError(f"--output: no folder {output.parent}")
        with obj.app.app_context():
            episodes, trips, summary = history_check(
                db.session, _archive_dir(archive), start, end, corridors=corridors, current=current,
                spec=ClusterSpec(scheduler=scheduler, workers=workers, in_process=in_process),
                progress=not no_progress,
                database_url=obj.app.config["DATABASE_URL"] if source == "database" else None)
    except ValueError as error:
        fail(str(error))
    try:
        write_parquet(episodes, output)
        write_parquet(trips, output.with_name(f"{output.stem}.trips.parquet"))
    except OSError as error:
        fail(f"--output {output}: {error.strerror or error}")
    summary["output"] = str(output)
    if fmt == "json":
        echo_json(summary)
        return
    click.echo(f"{summary['from']} to {summary['to']}: {summary['trips']} trip(s), {summary['fixes']} fixes, "
               f"{sum(summary['episodes'].values())} episode(s) in {summary['tasks']} task(s) → {output}")
    for kind, count in summary["episodes"].items():
        click.echo(f"  {kind}: {count}")
    for reason, count in summary["uncheckable"].items():
        click.echo(f"  not checkable ({reason}): {count}")
    click.echo(f"  trips whose result differs from the live alerts: {summary['differs_from_live']}")
