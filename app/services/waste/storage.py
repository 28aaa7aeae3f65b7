"""Waste stored too long: a waste batch still held at its generator's sites past the allowed period.

The period is configurable (``HAZLEDGER_WASTE_MAX_STORAGE_DAYS``, default 365: the one year that 固废法
(2020) art. 81 sets for storage by waste operators, applied here to the generator's storage). :func:`sweep`
raises one WASTE_OVERDUE alert per (batch, site) holding past the period (its key, so sweeping again changes
nothing while nothing changed), and once the holding is gone marks the episode ended and resolves the alert.
It runs after every ledger transaction that touched a waste batch (``app/services/ledger/followups.py``) and
from ``hazledger waste sweep`` for the passing of time.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from app.services.alert_policy import WASTE_GONE
from app.services.alerts import raise_alert, resolve
from app.services.ledger.balances import movements
from models import (
    Account, AccountKind, Alert, AlertChange, AlertKind, AlertState, Batch, Severity, Site, WasteBatch,
)
from models.types import Quantity, utcnow

DEFAULT_MAX_STORAGE_DAYS = 365


@dataclass
class SweepReport:
    max_days: int
    #: (alert, change) for every alert opened, updated or ended; unchanged ones are left out.
    changes: list[tuple[Alert, AlertChange]] = field(default_factory=list)
    overdue: int = 0


def max_storage_days() -> int:
    """The configured period (the app's config inside a request or command; the default elsewhere)."""
    from flask import current_app, has_app_context  # here: the ledger's commands import this without Flask

    if has_app_context():
        return int(current_app.config.get("WASTE_MAX_STORAGE_DAYS", DEFAULT_MAX_STORAGE_DAYS))
    return DEFAULT_MAX_STORAGE_DAYS


def sweep(session: Session, *, batch_ids: Collection[uuid.UUID] | None = None, now: dt.datetime | None = None,
          max_days: int | None = None) -> SweepReport:
    """Alert on every waste holding (of *batch_ids*, or all) stored past the period; the caller commits."""
    now = now or utcnow()
    report = SweepReport(max_days if max_days is not None else max_storage_days())
    cutoff = now - dt.timedelta(days=report.max_days)
    candidates = select(WasteBatch.batch_id).where(WasteBatch.generated_at <= cutoff)
    if batch_ids is not None:
        candidates = candidates.where(WasteBatch.batch_id.in_(list(batch_ids)))
    old = list(session.scalars(candidates))
    if not old:
        return report
    moves = movements(batch_ids=old)
    kg = type_coerce(func.sum(moves.c.delta), Quantity())
    held = session.execute(
        select(WasteBatch, Batch.code, Batch.producer_id, Site, kg.label("kg"))
        .select_from(moves)
        .join(Account, Account.id == moves.c.account_id)
        .join(Batch, Batch.id == moves.c.batch_id)
        .join(WasteBatch, WasteBatch.batch_id == Batch.id)
        .join(Site, Site.id == Account.site_id)
        # Only the generator's own sites: a disposer holding it is the end of the chain, not storage.
        .where(Account.kind == AccountKind.SITE, Account.enterprise_id == Batch.producer_id)
        .group_by(WasteBatch.batch_id, Batch.code, Batch.producer_id, Site.id)
        .having(func.sum(moves.c.delta) != 0)).all()
    keys = set()
    for profile, code, producer_id, site, quantity in held:
        since = profile.generated_at + dt.timedelta(days=report.max_days)
        key = f"waste_overdue:{profile.batch_id}:{site.id}"
        keys.add(key)
        alert, change = raise_alert(
            session, key=key, kind=AlertKind.WASTE_OVERDUE, severity=Severity.HIGH, started_at=since,
            enterprise_id=producer_id, site_id=site.id, batch_id=profile.batch_id, lon=site.lon, lat=site.lat,
            subject=site.name,
            details={"batch": code, "category": profile.category, "code": profile.code, "kg": f"{quantity:f}",
                     "generated_at": profile.generated_at.isoformat(), "allowed_days": report.max_days})
        report.overdue += 1
        if change is not None:
            report.changes.append((alert, change))
    _end_episodes(session, report, old, keys, now)
    return report


def _end_episodes(session: Session, report: SweepReport, batch_ids: list[uuid.UUID], current: set[str],
                  now: dt.datetime) -> None:
    """The holdings that are no longer there: their alerts' episodes end and the system resolves them (the
    waste is gone from the site: ``alert_policy.py``)."""
    stale = session.scalars(select(Alert).where(
        Alert.kind == AlertKind.WASTE_OVERDUE, Alert.batch_id.in_(batch_ids), Alert.state != AlertState.CLOSED,
        Alert.ended_at.is_(None)))
    for alert in [a for a in stale if a.key not in current]:
        ended, change = raise_alert(
            session, key=alert.key, kind=alert.kind, severity=alert.severity, subject=alert.subject, title=alert.title,
            started_at=alert.started_at, last_seen_at=now, ended_at=now, lon=alert.lon, lat=alert.lat,
            details={**alert.details, "kg": "0"})
        resolved = resolve(session, ended, WASTE_GONE, now)
        if resolved is not None or change is not None:
            report.changes.append((ended, resolved or change))
