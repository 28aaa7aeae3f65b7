"""The manifest's status machine, and the one move another service makes: the waybill's departure.

created → in_transit | rejected; in_transit → received | rejected; received → disposed. Every move is kept as
an event (who, from what, to what, when, why).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.i18n import Text
from app.services.waste.cross_province import departure_problem
from models import ManifestStatus as S, User, WasteManifest, WasteManifestEvent, Waybill

NEXT: dict[S, tuple[S, ...]] = {S.CREATED: (S.IN_TRANSIT, S.REJECTED), S.IN_TRANSIT: (S.RECEIVED, S.REJECTED),
                                S.RECEIVED: (S.DISPOSED,)}


def check_next(manifest: WasteManifest, target: S) -> None:
    if target not in NEXT.get(manifest.status, ()):
        raise Conflict(Text("A {status} manifest cannot become {target}.", status=manifest.status,
                            target=target), code="illegal_transition")


def move(manifest: WasteManifest, target: S, user: User, reason: str | None = None) -> None:
    check_next(manifest, target)
    manifest.events.append(WasteManifestEvent(from_status=manifest.status, to_status=target, actor_id=user.id,
                                              reason=reason))
    manifest.status = target


def waybill_departed(session: Session, user: User, waybill: Waybill, at: dt.datetime) -> None:
    """The waybill's departure puts the manifest it carries in transit (inside the departure's transaction)."""
    manifest = session.scalars(select(WasteManifest).where(WasteManifest.waybill_id == waybill.id)).one_or_none()
    if manifest is not None and manifest.status is S.CREATED:
        if manifest.carrier_checked_at is None:
            # 危险废物转移管理办法: the carrier checks the waste against the manifest before it carries it.
            raise Conflict(Text("The carrier has not checked the waste against manifest {number}: POST "
                                "/api/v1/waste-manifests/{id}/carrier-check first.", number=manifest.number,
                                id=manifest.id),
                           code="carrier_check_missing")
        if problem := departure_problem(session, manifest, waybill.current.loading_site_id, at.date()):
            # 危险废物转移管理办法 Art. 21: "未经批准的，不得转移".
            raise Conflict(problem, code="cross_province_approval_missing")
        move(manifest, S.IN_TRANSIT, user)
        manifest.departed_at = at
