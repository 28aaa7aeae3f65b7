"""What a ledger transaction checks after its last posting and before its commit: the inventory rules.

Postings change stock, and two rules watch stock: a site that becomes a major hazard source (or goes up a
grade) raises an alert (:func:`~app.services.hazards.major_hazard.recheck`), and waste stored at its generator
past the allowed period raises one (:func:`~app.services.waste.storage.sweep`). Both run here, in the
posting's own transaction, so an alert is never missing for a committed posting nor left by a rolled-back one,
and both are set-based over what the transaction touched: a batch of 1,000 postings checks once.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.hazards.major_hazard import RATED, recheck
from app.services.ledger.context import TransactionState
from app.services.waste.storage import sweep
from models import Chemical
from models.types import utcnow


def after_postings(session: Session, state: TransactionState) -> None:
    """Apply the inventory rules to the sites and batches the transaction's entries touched."""
    if not state.touched or state.start_sequence is None:
        return
    chemical_ids = {chemical_id for _, chemical_id in state.touched}
    rated = set(session.scalars(select(Chemical.id).where(Chemical.id.in_(chemical_ids), RATED)))
    sites = {site_id for site_id, chemical_id in state.touched if chemical_id in rated}
    latest = max((p.latest for p in state.own.values() if p.latest is not None), default=None) or utcnow()
    if sites:
        recheck(session, sites, since_sequence=state.start_sequence, at=latest)
    sweep(session, batch_ids={batch_id for _, batch_id in state.own})
