"""``Idempotency-Key`` handling: the same key and body give the same resource, another body a 409."""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from models.waybills import IdempotencyKey


def request_hash(body: Any) -> str:
    """SHA-256 of the body's canonical JSON (sorted keys), so key order and spacing do not matter."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replayed_resource(session: Session, user_id: uuid.UUID, key: str | None, body: Any) -> uuid.UUID | None:
    """The resource an earlier request with this key created, or None for a new key."""
    if not key:
        return None
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
