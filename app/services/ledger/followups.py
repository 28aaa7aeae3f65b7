"""What a ledger transaction checks after its last posting and before its commit: the inventory rules.

Postings change stock, and two rules watch stock: a site that becomes a major hazard source (or goes up a
grade) raises an alert (:func:`~app.services.hazards.major_hazard.recheck`), and waste stored at its generator
past the allowed period raises one (:func:`~app.services.waste.storage.sweep`). Both run here, in the
posting's own transaction, so an alert is never missing for a committed posting nor left by a rolled-back one,
and both are set-based over what the transaction touched: a batch of 1,000 postings checks once. Most
postings need no query at all: the chemicals are already loaded (their permits were checked), and only a batch
that entered the ledger before the storage period began can be overdue waste (a waste batch enters the ledger
when it is generated).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.services.hazards.major_hazard import rated, recheck
from app.services.ledger.context import TransactionState
from app.services.waste.storage import max_storage_days, sweep
from models import Chemical
from models.types import utcnow


def after_postings(session: Session, state: TransactionState) -> None:
    """Apply the inventory rules to the sites and batches the transaction's entries touched."""
    if state.start_sequence is None:
        return
    chemicals = (session.get(Chemical, chemical_id) for chemical_id in {c for _, c in state.touched_sites})
    counted = {chemical.id for chemical in chemicals if chemical is not None and rated(chemical)}
    sites = {site_id for site_id, chemical_id in state.touched_sites if chemical_id in counted}
    if sites:
        latest = max((p.latest for p in state.own.values() if p.latest is not None), default=None) or utcnow()
        recheck(session, sites, since_sequence=state.start_sequence, at=latest)
    cutoff = utcnow() - dt.timedelta(days=max_storage_days())
    old = {batch_id for batch_id, entered in state.touched_batches.items() if entered <= cutoff}
    if old:
        sweep(session, batch_ids=old)
