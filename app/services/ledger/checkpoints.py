"""Signed checkpoints over ranges of the chain, and inclusion proofs for single entries.

The server's ed25519 key (PyNaCl) lives in a file (config ``SIGNING_KEY_PATH``) holding the 32-byte seed,
created with mode 0600 on first use. The offline checking procedure is in ``merkle.py``'s docstring.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.services.ledger.chain import canonical_form, chain_head, entry_values
from app.services.ledger.merkle import inclusion_path, merkle_root, root_from_path
from app.services.ledger.posting import ledger_transaction
from app.services.ledger.verification import WORKERS, Verification, verify_chain
from models import Checkpoint, LedgerEntry
from models.types import utcnow


def load_signing_key(path: str | Path) -> SigningKey:
    """The server's key, generated (readable by the owner only) if the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = SigningKey.generate().encode()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(seed)
    return SigningKey(path.read_bytes())


def key_id(verify_key: VerifyKey) -> str:
    return hashlib.sha256(verify_key.encode()).hexdigest()[:16]


def signed_message(checkpoint: Checkpoint) -> str:
    """What the signature covers: compact sorted-key JSON of the range, root, time and key id."""
    return json.dumps({
        "first_sequence": checkpoint.first_sequence, "last_sequence": checkpoint.last_sequence,
        "merkle_root": checkpoint.merkle_root, "created_at": checkpoint.created_at.isoformat(),
        "key_id": checkpoint.key_id,
    }, sort_keys=True, separators=(",", ":"))


def _hashes(session: Session, first: int, last: int) -> list[str]:
    return list(session.scalars(select(LedgerEntry.hash).where(
        LedgerEntry.sequence.between(first, last)).order_by(LedgerEntry.sequence)))


def create_checkpoint(session: Session, signing_key: SigningKey) -> Checkpoint:
    """Sign the Merkle root of every entry after the last checkpoint, up to the chain's head."""
    with ledger_transaction(session):
        done = session.scalar(select(Checkpoint.last_sequence).order_by(Checkpoint.last_sequence.desc()).limit(1))
        first, last = (done or 0) + 1, chain_head(session).sequence
        if last < first:
            raise Conflict("No entries since the last checkpoint.", code="nothing_to_checkpoint")
        checkpoint = Checkpoint(
            first_sequence=first, last_sequence=last, merkle_root=merkle_root(_hashes(session, first, last)),
            key_id=key_id(signing_key.verify_key), public_key=signing_key.verify_key.encode().hex(),
            created_at=utcnow().replace(microsecond=0),
        )
        checkpoint.signature = signing_key.sign(signed_message(checkpoint).encode()).signature.hex()
        session.add(checkpoint)
    return checkpoint


def _signature_holds(checkpoint: Checkpoint) -> bool:
    try:
        VerifyKey(bytes.fromhex(checkpoint.public_key)).verify(
            signed_message(checkpoint).encode(), bytes.fromhex(checkpoint.signature))
    except (BadSignatureError, ValueError):
        return False
    return True


def _checkpoint_problem(checkpoint: Checkpoint, hashes: list[str]) -> str | None:
    if len(hashes) != checkpoint.last_sequence - checkpoint.first_sequence + 1:
        return (f"the checkpoint covers entries {checkpoint.first_sequence}..{checkpoint.last_sequence} but only "
                f"{len(hashes)} of them exist: entries were removed")
    if merkle_root(hashes) != checkpoint.merkle_root:
        return "the Merkle root of the entries differs from the signed root: entries were altered"
    if not _signature_holds(checkpoint):
        return "the signature does not verify under the checkpoint's public key"
    return None


def verify_ledger(session: Session, *, workers: int = WORKERS) -> Verification:
    """The chain (:func:`~app.services.ledger.verification.verify_chain`, read by *workers* threads), then every
    signed checkpoint against it.

    The checkpoints catch what the chain alone cannot: entries removed from the end, or the whole chain
    rewritten and re-hashed after a checkpoint was signed. Each checkpoint reads the hashes of its own range
    (the unique ``sequence`` index), so entries no checkpoint covers are read once only, by the chain pass.
    """
    chain = verify_chain(session, workers=workers)
    checkpoints = list(session.scalars(select(Checkpoint).order_by(Checkpoint.first_sequence)))
    for checked, checkpoint in enumerate(checkpoints):
        problem = _checkpoint_problem(checkpoint, _hashes(session, checkpoint.first_sequence,
                                                          checkpoint.last_sequence))
        if problem:
            bad = {"id": str(checkpoint.id), "first_sequence": checkpoint.first_sequence,
                   "last_sequence": checkpoint.last_sequence, "reason": problem}
            return dataclasses.replace(chain, ok=False, checkpoints_checked=checked, bad_checkpoint=bad)
    return dataclasses.replace(chain, checkpoints_checked=len(checkpoints))


def prove(session: Session, entry_id: uuid.UUID) -> dict[str, Any]:
    """An inclusion proof for one entry, checkable offline with :func:`check_proof`."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None:
        raise NotFound(f"No entry {entry_id}.")
    checkpoint = session.scalars(select(Checkpoint).where(
        Checkpoint.first_sequence <= entry.sequence, Checkpoint.last_sequence >= entry.sequence)).one_or_none()
    if checkpoint is None:
        raise NotFound(f"No checkpoint covers entry {entry.sequence} yet; run 'hazledger ledger checkpoint'.")
    hashes = _hashes(session, checkpoint.first_sequence, checkpoint.last_sequence)
    return {
        "entry": {"id": str(entry.id), "sequence": entry.sequence, "hash": entry.hash,
                  "canonical": canonical_form(entry_values(entry)).decode()},
        "path": inclusion_path(hashes, entry.sequence - checkpoint.first_sequence),
        "checkpoint": {"first_sequence": checkpoint.first_sequence, "last_sequence": checkpoint.last_sequence,
                       "merkle_root": checkpoint.merkle_root, "signed_message": signed_message(checkpoint),
                       "signature": checkpoint.signature, "key_id": checkpoint.key_id,
                       "public_key": checkpoint.public_key},
    }


def check_proof(proof: dict[str, Any]) -> list[str]:
    """The problems with *proof* (empty when it holds), using nothing but the proof itself."""
    try:
        entry, checkpoint = proof["entry"], proof["checkpoint"]
        problems = []
        if hashlib.sha256(entry["canonical"].encode()).hexdigest() != entry["hash"]:
            problems.append("the entry's canonical form does not hash to the entry hash")
        if root_from_path(entry["hash"], proof["path"]) != checkpoint["merkle_root"]:
            problems.append("the path does not lead from the entry hash to the checkpoint's Merkle root")
        if json.loads(checkpoint["signed_message"])["merkle_root"] != checkpoint["merkle_root"]:
            problems.append("the signed message names another Merkle root")
        VerifyKey(bytes.fromhex(checkpoint["public_key"])).verify(
            checkpoint["signed_message"].encode(), bytes.fromhex(checkpoint["signature"]))
    except BadSignatureError:
        problems.append("the checkpoint's signature does not verify under its public key")
    except (KeyError, TypeError, ValueError) as error:
        return [f"the proof is malformed: {error!r}"]
    return problems
