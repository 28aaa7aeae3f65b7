"""``hazledger ledger`` (verify, checkpoint, prove, verify-proof) and ``hazledger trace`` (CONTRACT.md)."""
from __future__ import annotations

import json
import sys
import uuid

import click

from app.cli import CliContext
from app.cli._common import EXIT_FINDING, echo_json, fail, writes
from app.extensions import db
from app.services.ledger.checkpoints import check_proof, create_checkpoint, load_signing_key, prove, verify_ledger
from app.services.ledger.epcis import as_epcis
from app.services.ledger.trace import DIRECTIONS, as_json, trace
from app.services.ledger.verification import WORKERS


@click.group("ledger")
def ledger() -> None:
    """The ledger's integrity: hash chain, signed checkpoints, inclusion proofs."""


@ledger.command("verify")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--workers", type=click.IntRange(min=1), default=WORKERS, show_default=True,
              help="Ranges of the chain checked at a time (threads; on SQLite, worker processes).")
@click.pass_obj
def verify(obj: CliContext, fmt: str, workers: int) -> None:
    """Recompute the hash chain and check the signed checkpoints; exit 1 naming the first that fails."""
    with obj.app.app_context():
        result = verify_ledger(db.session, workers=workers)
    if fmt == "json":
        echo_json(result.as_dict())
    elif result.ok:
        click.echo(f"ledger intact: {result.entries_checked} entries, {result.checkpoints_checked} signed "
                   f"checkpoints, head {result.head_hash}")
    elif result.first_bad:
        bad = result.first_bad
        click.echo(f"ledger BROKEN at entry {bad['sequence']} ({bad['id']}): {bad['reason']}")
    else:
        bad = result.bad_checkpoint or {}
        click.echo(f"ledger BROKEN at checkpoint {bad['first_sequence']}..{bad['last_sequence']}: {bad['reason']}")
    if not result.ok:
        sys.exit(EXIT_FINDING)


@ledger.command("checkpoint")
@click.pass_obj
@writes
def checkpoint(obj: CliContext) -> None:
    """Sign a Merkle root over every entry since the last checkpoint."""
    with obj.app.app_context():
        made = create_checkpoint(db.session, load_signing_key(obj.app.config["SIGNING_KEY_PATH"]))
    click.echo(f"checkpoint {made.first_sequence}..{made.last_sequence} root {made.merkle_root} key {made.key_id}")


@ledger.command("prove")
@click.argument("entry_id", type=click.UUID)
@click.pass_obj
def prove_entry(obj: CliContext, entry_id: uuid.UUID) -> None:
    """Print an inclusion proof (JSON) of ENTRY_ID in a signed checkpoint."""
    with obj.app.app_context():
        echo_json(prove(db.session, entry_id))


@ledger.command("verify-proof")
@click.argument("proof_file", type=click.File("r", encoding="utf-8"))
def verify_proof(proof_file: click.utils.LazyFile) -> None:
    """Check a proof offline, using only the file (procedure: app/services/ledger/merkle.py)."""
    try:
        proof = json.load(proof_file)
    except json.JSONDecodeError as error:
        fail(f"not a JSON proof: {error}")
    problems = check_proof(proof) if isinstance(proof, dict) else ["the proof is not a JSON object"]
    if problems:
        for problem in problems:
            click.echo(f"INVALID: {problem}")
        sys.exit(EXIT_FINDING)
    checkpoint = proof["checkpoint"]
    click.echo(f"valid: entry {proof['entry']['sequence']} is in checkpoint {checkpoint['first_sequence']}.."
               f"{checkpoint['last_sequence']} signed by key {checkpoint['key_id']}")


@click.command("trace")
@click.argument("batch_code")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="both", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "epcis"]), default="json", show_default=True)
@click.pass_obj
def trace_batch(obj: CliContext, batch_code: str, direction: str, fmt: str) -> None:
    """A batch's chain upstream and/or downstream: batches, entries, documents (or EPCIS 2.0 JSON-LD)."""
    with obj.app.app_context():
        result = trace(db.session, batch_code, direction)
        echo_json(as_epcis(result) if fmt == "epcis" else as_json(result))
