"""``hazledger trace`` (CONTRACT.md): apart from ``ledger``, whose integrity checks need none of the trace's
models and queries, nor it theirs (issue 18: each command's start-up)."""
from __future__ import annotations

import uuid

import click

from app.cli import CliContext
from app.cli._common import echo_json
from app.services.ledger.epcis import as_epcis
from app.services.ledger.trace import DIRECTIONS, as_json, trace


@click.command("trace")
@click.argument("batch_code")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="both", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "epcis"]), default="json", show_default=True)
@click.option("--producer", type=click.UUID, help="the producer's enterprise id, when several producers use the code")
@click.pass_obj
def trace_batch(obj: CliContext, batch_code: str, direction: str, fmt: str, producer: uuid.UUID | None) -> None:
    """A batch's chain upstream and/or downstream: batches, entries, documents (or EPCIS 2.0 JSON-LD)."""
    with obj.session() as session:
        result = trace(session, batch_code, direction, producer)
        echo_json(as_epcis(result) if fmt == "epcis" else as_json(result))
