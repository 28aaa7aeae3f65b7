"""The steps of 危险废物转移管理办法 (生态环境部、公安部、交通运输部, 2021-11-30, in force 2022-01-01) that a
manifest runs through, with their deadlines (sources and what is not verified: app/data/README.md).

- The manifest number in the national format (Art. 15): 14 digits, the year (4), the province (2) and prefecture (2)
  of the place the waste leaves, then a serial number within that prefecture and year (6).
- The carrier checks the waste against the manifest before carriage (Art. 11 (一), 13): a waybill
  carrying a manifest departs only once its carrier has checked it; a carrier that finds it not as stated
  refuses carriage, which ends the manifest (rejected, with the reason) and raises an alert.
- The receiver checks what arrived and confirms receipt within five working days (Art. 18), counted from the
  waybill's delivery (:func:`receipt_due`); :func:`sweep_receipts` raises an alert for every manifest past it.
- What the receiver finds not as stated (Art. 18 para. 2; a quantity different from the manifest's) is recorded
  on the manifest and raises an alert for the authority and the generator; a refusal by the receiver raises one too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.alerts import raise_alert
from models import Alert, AlertChange, AlertKind, ManifestStatus, Severity, Site, WasteManifest, Waybill
from models.types import utcnow

#: Working days the receiver has to confirm receipt after delivery (the project's reading of the 办法;
#: configurable as HAZLEDGER_WASTE_RECEIPT_WORKING_DAYS).
RECEIPT_WORKING_DAYS = 5
#: Province and prefecture of a place whose district code is not recorded.
UNKNOWN_REGION = "0000"


def receipt_working_days() -> int:
    if has_app_context():
        return int(current_app.config.get("WASTE_RECEIPT_WORKING_DAYS", RECEIPT_WORKING_DAYS))
    return RECEIPT_WORKING_DAYS


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """*start* plus *days* working days (Monday to Friday; public holidays are not known to the project)."""
    moment = start
    left = days
    while left > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def receipt_due(manifest: WasteManifest, delivered_at: dt.datetime | None) -> dt.datetime | None:
    """When the receiver's confirmation is due: the working days after the waybill's delivery."""
    if delivered_at is None or manifest.status is not ManifestStatus.IN_TRANSIT:
        return None
    return add_working_days(delivered_at, receipt_working_days())


def national_number(session: Session, region: str | None, today: dt.date) -> str:
    """The next manifest number (危险废物转移管理办法 Art. 15): year, the leaving place's province and prefecture
    (*region*, from the generating site's district code; ``0000`` when not recorded), and a 6-digit serial within
    them and the year."""
    prefix = f"{today:%Y}{region or UNKNOWN_REGION}"
    last = session.scalar(select(func.max(WasteManifest.number)).where(
        WasteManifest.number.like(f"{prefix}______"), func.length(WasteManifest.number) == 14))
    serial = int(last[8:]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


def transfer_alert(session: Session, manifest: WasteManifest, *, problem: str, severity: Severity,
                   at: dt.datetime, details: dict[str, object]) -> tuple[Alert, AlertChange | None]:
    """An alert about a manifest's transfer, for the generator (the authorities see every alert)."""
    site = session.get(Site, manifest.disposer_site_id)
    return raise_alert(
        session, key=f"waste_transfer:{manifest.id}:{problem}", kind=AlertKind.WASTE_TRANSFER, severity=severity,
        started_at=at, enterprise_id=manifest.generator_id, site_id=manifest.disposer_site_id,
        lon=site.lon if site else None, lat=site.lat if site else None, subject=manifest.number,
        details={"manifest": manifest.number, "problem": problem, **details})


@dataclass
class ReceiptReport:
    overdue: int = 0
    changes: list[tuple[Alert, AlertChange]] = field(default_factory=list)


def sweep_receipts(session: Session, now: dt.datetime | None = None) -> ReceiptReport:
    """Alert (once) on every manifest whose waybill was delivered and whose receiver has not confirmed receipt
    within the deadline; the caller commits."""
    now = now or utcnow()
    report = ReceiptReport()
    pending = session.execute(select(WasteManifest, Waybill.delivered_at).join(
        Waybill, Waybill.id == WasteManifest.waybill_id).where(
        WasteManifest.status == ManifestStatus.IN_TRANSIT, Waybill.delivered_at.isnot(None)))
    for manifest, delivered_at in pending:
        due = receipt_due(manifest, delivered_at)
        if due is None or due > now:
            continue
        report.overdue += 1
        alert, change = transfer_alert(
            session, manifest, problem="receipt_overdue", severity=Severity.HIGH, at=due,
            details={"delivered_at": delivered_at.isoformat(), "due": due.isoformat(),
                     "working_days": receipt_working_days()})
        if change is not None:
            report.changes.append((alert, change))
    return report
