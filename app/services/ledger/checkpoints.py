"""Signed checkpoints over ranges of the chain, and inclusion proofs for single entries.

The server's ed25519 key (PyNaCl) lives in a file (config ``SIGNING_KEY_PATH``) holding the 32-byte seed,
created with mode 0600 on first use. The offline checking procedure is in ``merkle.py``'s docstring.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.i18n import Text
from app.services.ledger.chain import canonical_form, chain_head, entry_values
from app.services.ledger.merkle import inclusion_path, merkle_root, root_from_path
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
    from app.services.ledger.posting import ledger_transaction  # signing only: verifying needs no posting rules

    with ledger_transaction(session):
        checkpoint = _sign_next(session, signing_key)
        if checkpoint is None:
            raise Conflict("No entries since the last checkpoint.", code="nothing_to_checkpoint")
    return checkpoint


def checkpoint_if_due(session: Session, signing_key: SigningKey, every: dt.timedelta) -> Checkpoint | None:
    """A checkpoint when the last one is older than *every* (or there is none) and entries came since; else
    None. Decided under the chain lock, so servers sweeping at once sign each range once."""
    from app.services.ledger.posting import ledger_transaction  # signing only: verifying needs no posting rules

    with ledger_transaction(session):
        latest = session.scalar(select(Checkpoint.created_at).order_by(Checkpoint.last_sequence.desc()).limit(1))
        if latest is not None and latest > utcnow() - every:
            return None
        return _sign_next(session, signing_key)


def _sign_next(session: Session, signing_key: SigningKey) -> Checkpoint | None:
    done = session.scalar(select(Checkpoint.last_sequence).order_by(Checkpoint.last_sequence.desc()).limit(1))
    first, last = (done or 0) + 1, chain_head(session).sequence
    if last < first:
        return None
    hashes = _hashes(session, first, last)
    checkpoint = Checkpoint(
        first_sequence=first, last_sequence=last, merkle_root=merkle_root(hashes),
        key_id=key_id(signing_key.verify_key), public_key=signing_key.verify_key.encode().hex(),
        created_at=utcnow().replace(microsecond=0), entry_hashes=b"".join(bytes.fromhex(h) for h in hashes),
    )
    checkpoint.signature = signing_key.sign(signed_message(checkpoint).encode()).signature.hex()
    session.add(checkpoint)
    return checkpoint


def authority_keys(config: Mapping[str, Any]) -> dict[str, VerifyKey]:
    """The keys checkpoint and head signatures must verify under, by key id: ``LEDGER_AUTHORITY_PUBLIC_KEY``
    (hex ed25519 verify keys, comma-separated while a key is being replaced), else the public half of this
    server's own signing key when its file exists, else none. Never the key stored beside a signature: whoever
    can rewrite the table can store a key of their own there."""
    configured = [k.strip() for k in str(config.get("LEDGER_AUTHORITY_PUBLIC_KEY") or "").split(",") if k.strip()]
    try:
        keys = [VerifyKey(bytes.fromhex(k)) for k in configured]
    except ValueError as error:
        raise ValueError(f"LEDGER_AUTHORITY_PUBLIC_KEY is not a list of hex ed25519 keys: {error}") from None
    own = Path(str(config.get("SIGNING_KEY_PATH") or ""))
    if not keys and own.is_file():
        keys = [SigningKey(own.read_bytes()).verify_key]
    return {key_id(k): k for k in keys}


def signature_problem(message: str, signature: str, signer: str, authority: Mapping[str, VerifyKey]) -> Text | None:
    """Why *signature* of *message* by key *signer* does not hold under the authority's keys (None: it holds)."""
    key = authority.get(signer)
    if key is None:
        if not authority:
            return Text("it is signed by key {signer}, not by an authority key (none configured: set {setting})",
                        signer=signer, setting="HAZLEDGER_LEDGER_AUTHORITY_PUBLIC_KEY")
        return Text("it is signed by key {signer}, not by an authority key ({known})", signer=signer,
                    known=", ".join(authority))
    try:
        key.verify(message.encode(), bytes.fromhex(signature))
    except (BadSignatureError, ValueError):
        return Text("the signature does not verify under the authority key {signer}", signer=signer)
    return None


def checkpoint_problem(session: Session, checkpoint: Checkpoint,
                       authority: Mapping[str, VerifyKey]) -> dict[str, Any] | None:
    """What is wrong with the ledger's entries against *checkpoint* (stored, or a kept copy), or None.

    The first differing entry is named whenever it can be: the first of the range missing, or, when the
    checkpoint keeps its leaves, the first whose hash is not the one signed (a re-chained ledger)."""
    rows = session.execute(select(LedgerEntry.sequence, LedgerEntry.hash).where(
        LedgerEntry.sequence.between(checkpoint.first_sequence, checkpoint.last_sequence))
        .order_by(LedgerEntry.sequence)).all()
    present = {sequence: entry_hash for sequence, entry_hash in rows}
    stored = checkpoint.entry_hashes
    leaves = [stored[i:i + 32].hex() for i in range(0, len(stored), 32)] if stored else None
    if leaves is not None and merkle_root(leaves) != checkpoint.merkle_root:
        leaves = None  # leaves that are not the signed ones name nothing
    first_bad = next((n for n in range(checkpoint.first_sequence, checkpoint.last_sequence + 1)
                      if n not in present or leaves is not None
                      and leaves[n - checkpoint.first_sequence] != present[n]), None)
    if len(rows) != checkpoint.last_sequence - checkpoint.first_sequence + 1:
        reason = Text("the checkpoint covers entries {first}..{last} but only {count} of them exist: entries were "
                      "removed", first=checkpoint.first_sequence, last=checkpoint.last_sequence, count=len(rows))
    elif merkle_root([h for _, h in rows]) != checkpoint.merkle_root:
        reason = Text("the Merkle root of the entries differs from the signed root: entries were altered or "
                      "re-chained")
    else:
        reason = signature_problem(signed_message(checkpoint), checkpoint.signature, checkpoint.key_id, authority)
        first_bad = None
    if reason is None:
        return None
    problem = {"id": str(checkpoint.id) if checkpoint.id else None, "first_sequence": checkpoint.first_sequence,
               "last_sequence": checkpoint.last_sequence, "reason": reason}
    if first_bad is not None:
        problem["first_differing_sequence"] = first_bad
    return problem


def not_checkpointed(session: Session, head_sequence: int) -> dict[str, int] | None:
    """The entries after the last stored checkpoint, up to *head_sequence*: signed by nothing yet."""
    done = session.scalar(select(Checkpoint.last_sequence).order_by(Checkpoint.last_sequence.desc()).limit(1)) or 0
    if head_sequence <= done:
        return None
    return {"first_sequence": done + 1, "last_sequence": head_sequence, "count": head_sequence - done}


def verify_ledger(session: Session, *, workers: int = WORKERS,
                  authority: Mapping[str, VerifyKey] | None = None) -> Verification:
    """The chain (:func:`~app.services.ledger.verification.verify_chain`, read by *workers* threads), then every
    signed checkpoint against it, its signature under the *authority* keys (:func:`authority_keys`).

    The checkpoints catch what the chain alone cannot: entries removed from the end, or the whole chain
    rewritten and re-hashed after a checkpoint was signed. What they cannot catch (entries after the last
    checkpoint removed, or entries removed together with their checkpoints) a kept copy of a signed head or
    checkpoint does (:mod:`~app.services.ledger.anchoring`); the entries no checkpoint covers yet are reported.
    """
    authority = authority or {}
    chain = verify_chain(session, workers=workers)
    checkpoints = list(session.scalars(select(Checkpoint).order_by(Checkpoint.first_sequence)))
    pending = not_checkpointed(session, chain.head_sequence)
    for checked, checkpoint in enumerate(checkpoints):
        problem = checkpoint_problem(session, checkpoint, authority)
        if problem:
            return dataclasses.replace(chain, ok=False, checkpoints_checked=checked, bad_checkpoint=problem,
                                       not_checkpointed=pending)
    return dataclasses.replace(chain, checkpoints_checked=len(checkpoints), not_checkpointed=pending)


def prove(session: Session, entry_id: uuid.UUID) -> dict[str, Any]:
    """An inclusion proof for one entry, checkable offline with :func:`check_proof`."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None:
        raise NotFound(Text("No entry {id}.", id=entry_id))
    checkpoint = session.scalars(select(Checkpoint).where(
        Checkpoint.first_sequence <= entry.sequence, Checkpoint.last_sequence >= entry.sequence)).one_or_none()
    if checkpoint is None:
        raise NotFound(Text("No checkpoint covers entry {sequence} yet; run 'hazledger ledger checkpoint'.",
                            sequence=entry.sequence))
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


def check_proof(proof: dict[str, Any]) -> list[Text]:
    """The problems with *proof* (empty when it holds), using nothing but the proof itself."""
    try:
        entry, checkpoint = proof["entry"], proof["checkpoint"]
        problems = []
        if hashlib.sha256(entry["canonical"].encode()).hexdigest() != entry["hash"]:
            problems.append(Text("the entry's canonical form does not hash to the entry hash"))
        if root_from_path(entry["hash"], proof["path"]) != checkpoint["merkle_root"]:
            problems.append(Text("the path does not lead from the entry hash to the checkpoint's Merkle root"))
        if json.loads(checkpoint["signed_message"])["merkle_root"] != checkpoint["merkle_root"]:
            problems.append(Text("the signed message names another Merkle root"))
        VerifyKey(bytes.fromhex(checkpoint["public_key"])).verify(
            checkpoint["signed_message"].encode(), bytes.fromhex(checkpoint["signature"]))
    except BadSignatureError:
        problems.append(Text("the checkpoint's signature does not verify under its public key"))
    except (KeyError, TypeError, ValueError) as error:
        return [Text("the proof is malformed: {error}", error=repr(error))]
    return problems
