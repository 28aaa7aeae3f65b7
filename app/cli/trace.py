"""``hazledger trace`` (CONTRACT.md): apart from ``ledger``, whose integrity checks need none of the trace's
models and queries, nor it theirs (issue 18: each command's start-up)."""
from __future__ import annotations

import click

from app.cli import CliContext
from app.cli._common import echo_json, fail
from app.services.ledger.codes import ProducerRef, producer_ref
from app.services.ledger.epcis import as_epcis
from app.services.ledger.trace import DIRECTIONS, as_json, trace


@click.command("trace")
@click.argument("batch_code")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="both", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "epcis"]), default="json", show_default=True)
@click.option("--producer", metavar="ID|USCC",
              help="the producer's enterprise id or USCC, when several producers use the code")
@click.pass_obj
def trace_batch(obj: CliContext, batch_code: str, direction: str, fmt: str, producer: str | None) -> None:
    """A batch's chain upstream and/or downstream: batches, entries, documents (or EPCIS 2.0 JSON-LD)."""
    with obj.session() as session:
        result = trace(session, batch_code, direction, _producer(producer))
        echo_json(as_epcis(result) if fmt == "epcis" else as_json(result))


def _producer(value: str | None) -> ProducerRef | None:
    """``--producer`` read as an enterprise id or a USCC; anything else: exit 2 with the reason on one line."""
    if value is None:
        return None
    try:
        return producer_ref(value)
    except ValueError as error:
        fail(f"--producer {value!r}: {error}.")
