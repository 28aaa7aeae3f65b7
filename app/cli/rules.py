"""``hazledger rules``: the ADR 2017 / JT/T 617 rules console (document line, mixed loading, tunnel code).

Works without a database. Table A comes from, in order: ``--table-a FILE`` or ``HAZLEDGER_ADR_TABLE_A``; the
catalogue database when Table A was imported into it (``hazledger catalogue import adr2017_table_a.csv``), so the
console answers as the waybill checks do; else the shared ``../shared/data/dangerous_goods/adr2017_table_a.csv``.
Exit status: ``mix`` 0 allowed, 1 refused; every command 2 on bad input (a reference naming no entry, or
several that differ in what the rule reads), with a one-line reason on stderr.
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from app.cli import CliContext
from app.cli._common import EXIT_FINDING, echo_json, fail
from app.config import DEFAULTS, PROJECT_ROOT
from app.services.dangerous_goods.entries import EntryError, TableA, read_table_a
from app.services.dangerous_goods.queries import line_of, mix_of, tunnel_of
from app.services.dangerous_goods.small_loads import small_load_json

DEFAULT_TABLE_A = PROJECT_ROOT.parent / "shared" / "data" / "dangerous_goods" / "adr2017_table_a.csv"
_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.group("rules")
@click.option("--table-a", "table_a", type=click.Path(dir_okay=False, path_type=Path), default=None,
              envvar="HAZLEDGER_ADR_TABLE_A",
              help="ADR 2017 Table A CSV (default: the catalogue's, if imported, else the shared one).")
@click.pass_context
def rules(ctx: click.Context, table_a: Path | None) -> None:
    """ADR 2017 / JT/T 617 rules: transport-document line, mixed loading, tunnel restriction code."""
    ctx.meta["table_a_path"] = table_a


def _table(ctx: click.Context) -> TableA:
    path = ctx.meta.get("table_a_path")
    if path is None:
        stored = _stored(ctx.find_object(CliContext))
        if stored is not None:
            return stored
        path = DEFAULT_TABLE_A
    try:
        return read_table_a(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        fail(f"cannot read ADR Table A {path}: {error.strerror} (give --table-a FILE or import it into the "
             "catalogue)")
    except EntryError as error:
        fail(f"{path}: {error}")


def _stored(obj: CliContext | None) -> TableA | None:
    """The catalogue's Table A, if the database exists and holds one; never creates a database."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from app.services.transport_entries import stored_table
    from models.engine import make_engine

    url = (obj.database_url if obj else None) or os.environ.get("HAZLEDGER_DATABASE_URL") \
        or str(DEFAULTS["DATABASE_URL"])
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        return None
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError):
        return None
    try:
        if not inspect(engine).has_table("transport_entries"):
            return None
        with Session(engine) as session:
            table = stored_table(session)
        return table if len(table) else None
    except SQLAlchemyError:
        return None  # no server, no permission: the file answers instead
    finally:
        engine.dispose()


def _answer(ctx: click.Context, run: Any) -> Any:
    try:
        return run(_table(ctx))
    except EntryError as error:
        fail(str(error))


@rules.command("line")
@click.argument("un")
@click.option("--pg", help="Packing group (I, II, III) when the UN number has several entries.")
@click.option("--name", help="One of the entry's alternative names (ADR 3.1.2.1; default the first).")
@click.option("--technical-name", help="The technical name n.o.s. entries carry in brackets (ADR 3.1.2.8.1).")
@_FORMAT
@click.pass_context
def line(ctx: click.Context, un: str, pg: str | None, name: str | None, technical_name: str | None,
         fmt: str) -> None:
    """The transport-document line of an entry (ADR 5.4.1.1.1): ``UN 1017 CHLORINE, 2.3 (5.1, 8), (C/D)``."""
    ref = f"{un}/{pg.upper()}" if pg and "/" not in un else un
    text = _answer(ctx, lambda table: line_of(table, ref, name=name, technical_name=technical_name))
    echo_json({"line": text}) if fmt == "json" else click.echo(text)


@rules.command("mix")
@click.argument("refs", nargs=-1, required=True, metavar="UN[/PG] UN[/PG] ...")
@_FORMAT
@click.pass_context
def mix(ctx: click.Context, refs: tuple[str, ...], fmt: str) -> None:
    """May these goods be loaded on one vehicle (ADR 7.5.2)? Exit 0 allowed, 1 refused."""
    decision = _answer(ctx, lambda table: mix_of(table, refs))
    if fmt == "json":
        echo_json({"allowed": decision.allowed, "reasons": decision.reasons, "conditions": decision.conditions})
    else:
        click.echo("allowed" if decision.allowed else "refused")
        for text in decision.reasons + decision.conditions:
            click.echo(f"  {text}")
    if not decision.allowed:
        ctx.exit(EXIT_FINDING)


@rules.command("tunnel")
@click.argument("refs", nargs=-1, required=True, metavar="UN[/PG] ...")
@click.option("--tank", is_flag=True, help="Carriage in tanks (or, for D/E, in bulk); default packages.")
@click.option("--explosive-mass-kg", type=click.FloatRange(min=0), default=None,
              help="Total net explosive mass on the transport unit (B1000C, C5000D); unknown reads as above.")
@click.option("--quantity", "quantities", multiple=True, metavar="QTY",
              help="The quantity of each entry, in their order (e.g. 300L, 50kg): weighs the load for the ADR "
                   "1.1.3.6 small-load exemption, whose goods do not count for the code (8.6.3.3).")
@_FORMAT
@click.pass_context
def tunnel(ctx: click.Context, refs: tuple[str, ...], tank: bool, explosive_mass_kg: float | None,
           quantities: tuple[str, ...], fmt: str) -> None:
    """The load's tunnel restriction code (ADR 8.6.3.2) and the tunnel categories closed to it (ADR 8.6.4)."""
    mass = Decimal(str(explosive_mass_kg)) if explosive_mass_kg is not None else None
    answer = _answer(ctx, lambda table: tunnel_of(table, refs, tank=tank, explosive_mass_kg=mass,
                                                  quantities=quantities))
    load = answer.small_load
    if fmt == "json":
        echo_json({"code": answer.code, "closed": list(answer.closed), "notes": list(answer.notes),
                   "small_load": small_load_json(load) if load else None})
        return
    closed = ", ".join(answer.closed) or "none"
    click.echo(f"{answer.code or '-'}: closed to tunnel categories {closed}")
    for note in answer.notes:
        click.echo(f"  {note}")
    if load is not None and not load.exempt:
        click.echo("  not a small load (ADR 1.1.3.6): " + "; ".join(load.reasons))
