"""``Idempotency-Key`` handling: the same key and body give the same resource, another body a 409.

Retries race: a client that timed out sends again while the first request is still running, or several workers
of one client send the same request at once. Concurrent requests with one key are serialised, so each later one
waits for the first to commit (or fail) and then replays its resource (or, after a failure, runs itself):
on SQLite a request that writes begins its transaction IMMEDIATE and so holds the database's one write lock from
its first statement (:data:`models.engine.WRITES_EXPECTED`); on PostgreSQL :func:`replayed_resource` takes a
transaction-scoped advisory lock on the (user, key) before it looks the key up.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from models.waybills import IdempotencyKey


def request_hash(body: Any) -> str:
    """SHA-256 of the body's canonical JSON (sorted keys), so key order and spacing do not matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


#: The first of the two-integer advisory lock keys (a key space of its own, apart from the ledger's and the alert
#: feed's one-integer keys); the second is a hash of the user and the key (a rare collision only makes two
#: unrelated requests wait for each other).
IDEMPOTENCY_LOCK_CLASS = 0x1D3


def _lock_key(user_id: uuid.UUID, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{user_id}\n{key}".encode()).digest()[:4], "big", signed=True)


def replayed_resource(session: Session, user_id: uuid.UUID, key: str | None, body: Any) -> uuid.UUID | None:
    """The resource an earlier request with this key created, or None for a new key (then the caller's
    transaction holds the key until it ends: a concurrent request with it waits, see the module's note)."""
    if not key:
        return None
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(IDEMPOTENCY_LOCK_CLASS, _lock_key(user_id, key))))
    record = session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).one_or_none()
    if record is None:
        return None
    if record.request_hash != request_hash(body):
        raise Conflict("This Idempotency-Key was used with a different request body.", code="idempotency_mismatch")
    return record.resource_id


def remember(session: Session, user_id: uuid.UUID, key: str | None, body: Any, resource_id: uuid.UUID) -> None:
    """Record the key in the caller's transaction, so it commits (or not) with the resource."""
    if key:
        session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash(body),
                                   resource_id=resource_id))
