"""The chain's head anchored outside the database: signed heads auditors keep, and comparing the ledger with them.

Checkpoints alone leave two ways to remove history unseen: delete the newest entries past the last checkpoint,
or delete entries together with the checkpoints that covered them (the chain that is left verifies). Both are
caught by a copy of something the authority signed that the attacker cannot reach:

- the **signed head** (:func:`signed_head`; ``GET /api/v1/ledger/head``, ``hazledger ledger head --output FILE``):
  the chain's newest entry (sequence and hash) and the last checkpoint, signed by the server's key when asked.
  An auditor keeps copies; ``ledger verify --expect-head FILE`` (:func:`compare_head`) then requires the ledger
  to still hold that entry with that hash, and that checkpoint;
- a **kept checkpoint** (as ``GET /api/v1/ledger/checkpoints`` lists them; ``--since-checkpoint FILE``,
  :func:`compare_checkpoint`): the ledger must still hold the checkpoint and the entries whose root it signed.

Every signature is checked under the authority's keys (``checkpoints.authority_keys``), never under a key
stored beside it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.ledger.chain import chain_head
from app.text import Text
from app.services.ledger.checkpoints import checkpoint_problem, key_id, signature_problem
from models import Checkpoint, LedgerEntry
from models.types import utcnow

#: What a kept checkpoint must hold (as the API lists a checkpoint).
CHECKPOINT_FIELDS = ("first_sequence", "last_sequence", "merkle_root", "created_at", "key_id", "signature")


def _compact(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def signed_head(session: Session, signing_key: SigningKey) -> dict[str, Any]:
    """The chain's head and last checkpoint, signed now: ``signed_message`` (sorted-key compact JSON of
    sequence, hash, signed_at, key_id and the checkpoint's range and root) and its ed25519 ``signature``."""
    head = chain_head(session)
    latest = session.scalars(select(Checkpoint).order_by(Checkpoint.last_sequence.desc()).limit(1)).first()
    checkpoint = None if latest is None else {
        "first_sequence": latest.first_sequence, "last_sequence": latest.last_sequence,
        "merkle_root": latest.merkle_root, "created_at": latest.created_at.isoformat(), "key_id": latest.key_id,
        "signature": latest.signature}
    message = _compact({
        "sequence": head.sequence, "hash": head.hash, "signed_at": utcnow().replace(microsecond=0).isoformat(),
        "key_id": key_id(signing_key.verify_key),
        "checkpoint": None if checkpoint is None else {k: checkpoint[k] for k in (
            "first_sequence", "last_sequence", "merkle_root")}})
    return {**json.loads(message), "checkpoint": checkpoint, "signed_message": message,
            "signature": signing_key.sign(message.encode()).signature.hex()}


def compare_head(session: Session, document: Any, authority: Mapping[str, VerifyKey]) -> dict[str, Any]:
    """The ledger against a kept signed head: ``ok``, and each ``problem`` (entries missing, rewritten, the
    checkpoint gone). Raises ValueError when *document* is not a head document."""
    try:
        message, signature = document["signed_message"], document["signature"]
        signed = json.loads(message)
        sequence, expected, signer = int(signed["sequence"]), str(signed["hash"]), str(signed["key_id"])
        kept_checkpoint = document.get("checkpoint")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"not a signed head document: {error!r}") from None
    result: dict[str, Any] = {"kind": "head", "sequence": sequence, "hash": expected,
                              "signed_at": signed.get("signed_at"), "problems": []}
    problems: list[Text] = result["problems"]
    unsigned = signature_problem(message, signature, signer, authority)
    if unsigned:
        problems.append(Text("the kept head is not the authority's: {reason}", reason=unsigned))
    head = chain_head(session)
    stored = session.scalar(select(LedgerEntry.hash).where(LedgerEntry.sequence == sequence)) if sequence else None
    if sequence > head.sequence:
        result["missing"] = {"first_sequence": head.sequence + 1, "last_sequence": sequence}
        problems.append(Text("entries {first}..{sequence} are missing: the kept head (signed {signed_at}) names "
                             "entry {sequence}, the ledger ends at entry {head}", first=head.sequence + 1,
                             sequence=sequence, signed_at=signed.get("signed_at"), head=head.sequence))
    elif sequence and stored != expected:
        problems.append(Text("entry {sequence} is not the one the kept head names (hash {expected}…, stored "
                             "{stored}…): the chain was rewritten at or before it", sequence=sequence,
                             expected=expected[:16], stored=(stored or "none")[:16]))
    if kept_checkpoint is not None:
        problems += compare_checkpoint(session, kept_checkpoint, authority)["problems"]
    result["ok"] = not problems
    return result


def compare_checkpoint(session: Session, document: Any, authority: Mapping[str, VerifyKey]) -> dict[str, Any]:
    """The ledger against a kept checkpoint (as listed by the API, or the ``checkpoint`` of a head document):
    it must still be stored, and the entries it covers must still hash to its signed root. Raises ValueError
    when *document* is not a checkpoint."""
    if isinstance(document, Mapping) and "signed_message" in document and "merkle_root" not in document:
        document = document.get("checkpoint")  # a head document: its checkpoint
    try:
        kept = Checkpoint(**{f: document[f] for f in ("first_sequence", "last_sequence", "merkle_root", "key_id",
                                                      "signature")},
                          created_at=dt.datetime.fromisoformat(document["created_at"]))
        first, last = int(kept.first_sequence), int(kept.last_sequence)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a kept checkpoint (it needs {', '.join(CHECKPOINT_FIELDS)}): {error!r}") from None
    result: dict[str, Any] = {"kind": "checkpoint", "first_sequence": first, "last_sequence": last, "problems": []}
    problems: list[Text] = result["problems"]
    still = session.scalar(select(Checkpoint.id).where(Checkpoint.last_sequence == last,
                                                       Checkpoint.merkle_root == kept.merkle_root,
                                                       Checkpoint.signature == kept.signature))
    if still is None:
        problems.append(Text("the ledger no longer holds the kept checkpoint {first}..{last}: checkpoints were "
                             "deleted or replaced", first=first, last=last))
    bad = checkpoint_problem(session, kept, authority)
    if bad:
        problems.append(
            Text("against the kept checkpoint {first}..{last}: {reason} (first differing entry {differing})",
                 first=first, last=last, reason=bad["reason"], differing=bad["first_differing_sequence"])
            if "first_differing_sequence" in bad else
            Text("against the kept checkpoint {first}..{last}: {reason}", first=first, last=last,
                 reason=bad["reason"]))
        result["first_differing_sequence"] = bad.get("first_differing_sequence")
    head = chain_head(session).sequence
    result["entries_since"] = max(head - last, 0)
    result["ok"] = not problems
    return result
