"""The ledger's verification as the trace pages show it.

Verifying re-hashes the whole chain (about 100,000 entries a second), too slow to repeat on every page of a
large ledger: a result is shown for up to :data:`FRESH_SECONDS` while the chain has not grown, with the time it
was computed, and the auditor can ask for a new one at any moment.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.services.ledger.verification import Verification
from app.services.ledger.checkpoints import authority_keys, verify_ledger
from models import LedgerEntry
from models.types import utcnow

FRESH_SECONDS = 60.0


@dataclass(frozen=True)
class Checked:
    result: Verification
    at: dt.datetime
    head: int
    monotonic: float


_lock = threading.Lock()
_last: dict[str, Checked] = {}


def ledger_verification(*, again: bool = False) -> Checked:
    """The latest verification of this database's ledger: recomputed when asked, stale, or the chain grew."""
    key = str(db.engine.url)
    head = db.session.scalar(select(func.coalesce(func.max(LedgerEntry.sequence), 0)))
    with _lock:
        known = _last.get(key)
    if again or known is None or known.head != head or time.monotonic() - known.monotonic > FRESH_SECONDS:
        known = Checked(verify_ledger(db.session, authority=authority_keys(current_app.config)), utcnow(), head,
                        time.monotonic())
        with _lock:
            _last[key] = known
    return known
