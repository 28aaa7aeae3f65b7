"""``hazledger catalogue``: load dangerous-goods reference data."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from app.cli import CliContext
from app.cli._common import echo_json, fail, writes
from app.data import SEED_CATALOGUE, SEED_SOURCE
from app.extensions import db
from app.services.catalogue_import import ImportReport, import_catalogue
from app.services.dangerous_goods.entries import is_table_a
from app.services.transport_entries import TableAReport, import_table_a

_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")


@click.group("catalogue")
def catalogue() -> None:
    """The chemical catalogue."""


@catalogue.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Name the rows are kept under; importing again under it updates them in place "
                               "(default: the file name without extension).")
@_FORMAT
@click.pass_obj
@writes
def import_(obj: CliContext, file: Path, source: str | None, fmt: str) -> None:
    """Import a CSV like ../shared/data/dangerous_goods/un_numbers_adr.csv, or ADR 2017 Table A
    (adr2017_table_a.csv: one row per entry); re-importing changes nothing."""
    _run(obj, file, source or file.stem, fmt)


@catalogue.command("seed")
@_FORMAT
@click.pass_obj
@writes
def seed(obj: CliContext, fmt: str) -> None:
    """Load the project's seed list of common Chinese hazardous chemicals (with their catalogue flags)."""
    _run(obj, SEED_CATALOGUE, SEED_SOURCE, fmt)


def _run(obj: CliContext, file: Path, source: str, fmt: str) -> None:
    if not 1 <= len(source) <= 40:
        fail(f"source name must be 1 to 40 characters: {source!r}")
    try:
        text = file.read_text(encoding="utf-8-sig")  # spreadsheets often write a BOM
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {file}: {error}")
    with obj.app.app_context():
        if is_table_a(text):
            _print_table_a(import_table_a(db.session, text, source), file, fmt)
            return
        report = import_catalogue(db.session, text, source)
    _print(report, file, fmt)


def _print_table_a(report: TableAReport, file: Path, fmt: str) -> None:
    if fmt == "json":
        echo_json(asdict(report))
        return
    click.echo(f"{file}: ADR Table A, {report.rows} rows as source {report.source!r}: entries {report.created} "
               f"created, {report.updated} updated, {report.unchanged} unchanged, {len(report.rejected)} rejected; "
               f"chemicals {report.chemicals_created} created, {report.chemicals_kept} kept with their names and "
               "controls")
    for line in report.rejected + report.notes:
        click.echo(f"  {line}")


def _print(report: ImportReport, file: Path, fmt: str) -> None:
    if fmt == "json":
        echo_json(asdict(report))
        return
    click.echo(f"{file}: {report.rows} rows as source {report.source!r}: {report.created} created, "
               f"{report.updated} updated, {report.unchanged} unchanged, {len(report.rejected)} rejected, "
               f"{report.merged} merged into chemicals already held")
    for row in report.rejected:
        click.echo(f"  line {row['line']} (UN {row['un_number'] or '?'}): {row['reason']}")
