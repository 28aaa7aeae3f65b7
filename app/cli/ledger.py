"""``hazledger ledger`` (verify, checkpoint, head, prove, verify-proof) (CONTRACT.md)."""
from __future__ import annotations

import dataclasses
import json
import sys
import uuid
from typing import Any

import click
from nacl.signing import VerifyKey

from app.cli import CliContext
from app.cli._common import EXIT_FINDING, echo_json, fail, writes
from app.services.ledger.anchoring import compare_checkpoint, compare_head, signed_head
from app.services.ledger.checkpoints import (
    authority_keys, check_proof, create_checkpoint, load_signing_key, prove, verify_ledger,
)
from app.services.ledger.verification import WORKERS, Verification


@click.group("ledger")
def ledger() -> None:
    """The ledger's integrity: hash chain, signed checkpoints, inclusion proofs."""


@ledger.command("verify")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--workers", type=click.IntRange(min=1), default=WORKERS, show_default=True,
              help="Ranges of the chain checked at a time (threads; on SQLite, worker processes).")
@click.option("--expect-head", "head_file", type=click.File("r", encoding="utf-8"),
              help="A kept signed head (`ledger head --output`, GET /api/v1/ledger/head): the ledger must still "
                   "hold its entry and checkpoint.")
@click.option("--since-checkpoint", "checkpoint_file", type=click.File("r", encoding="utf-8"),
              help="A kept checkpoint (GET /api/v1/ledger/checkpoints): the ledger must still hold it and the "
                   "entries it signed.")
@click.pass_obj
def verify(obj: CliContext, fmt: str, workers: int, head_file: click.utils.LazyFile | None,
           checkpoint_file: click.utils.LazyFile | None) -> None:
    """Recompute the hash chain and check the signed checkpoints (and any kept copy); exit 1 naming the first
    that fails."""
    given = ((compare_head, head_file), (compare_checkpoint, checkpoint_file))
    kept = [(compare, _json_file(file)) for compare, file in given if file is not None]
    with obj.session() as session:
        authority = _authority(obj)
        result = verify_ledger(session, workers=workers, authority=authority)
        try:
            anchors = [compare(session, document, authority) for compare, document in kept]
        except ValueError as error:
            fail(str(error))
    result = dataclasses.replace(result, ok=result.ok and all(a["ok"] for a in anchors), anchors=anchors)
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        _print_verification(result)
    if not result.ok:
        sys.exit(EXIT_FINDING)


def _json_file(file: click.utils.LazyFile) -> Any:
    try:
        return json.load(file)
    except json.JSONDecodeError as error:
        fail(f"{file.name}: not JSON: {error}")


def _authority(obj: CliContext) -> dict[str, VerifyKey]:
    try:
        return authority_keys(obj.settings)
    except ValueError as error:
        fail(str(error))


def _print_verification(result: Verification) -> None:
    if result.first_bad:
        bad = result.first_bad
        click.echo(f"ledger BROKEN at entry {bad['sequence']} ({bad['id']}): {bad['reason']}")
    elif result.bad_checkpoint:
        bad = result.bad_checkpoint
        where = (f"; first differing entry {bad['first_differing_sequence']}"
                 if bad.get("first_differing_sequence") else "")
        click.echo(f"ledger BROKEN at checkpoint {bad['first_sequence']}..{bad['last_sequence']}: "
                   f"{bad['reason']}{where}")
    for anchor in result.anchors:
        for problem in anchor["problems"]:
            click.echo(f"ledger BROKEN against the kept {anchor['kind']}: {problem}")
    if result.ok:
        click.echo(f"ledger intact: {result.entries_checked} entries, {result.checkpoints_checked} signed "
                   f"checkpoints, head {result.head_hash}")
    if result.not_checkpointed:
        pending = result.not_checkpointed
        click.echo(f"not yet checkpointed: entries {pending['first_sequence']}..{pending['last_sequence']} "
                   f"({pending['count']})")


@ledger.command("head")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the signed head to this file (default: print it).")
@click.pass_obj
def head(obj: CliContext, output: str | None) -> None:
    """Sign the chain's head and last checkpoint now (JSON), for an auditor to keep (`verify --expect-head`)."""
    with obj.session() as session:
        document = signed_head(session, load_signing_key(obj.settings["SIGNING_KEY_PATH"]))
    if output is None:
        echo_json(document)
        return
    with open(output, "w", encoding="utf-8") as file:
        json.dump(document, file, ensure_ascii=False, indent=2)
    click.echo(f"head {document['sequence']} {document['hash']} signed by key {document['key_id']} -> {output}")


@ledger.command("checkpoint")
@click.pass_obj
@writes
def checkpoint(obj: CliContext) -> None:
    """Sign a Merkle root over every entry since the last checkpoint."""
    with obj.session() as session:
        made = create_checkpoint(session, load_signing_key(obj.settings["SIGNING_KEY_PATH"]))
    click.echo(f"checkpoint {made.first_sequence}..{made.last_sequence} root {made.merkle_root} key {made.key_id}")


@ledger.command("prove")
@click.argument("entry_id", type=click.UUID)
@click.pass_obj
def prove_entry(obj: CliContext, entry_id: uuid.UUID) -> None:
    """Print an inclusion proof (JSON) of ENTRY_ID in a signed checkpoint."""
    with obj.session() as session:
        echo_json(prove(session, entry_id))


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
