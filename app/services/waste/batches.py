"""The waste profile of a batch: written in the transaction that generates the batch, read with it afterwards."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.waste.codes import Declaration, categories, checked, edition_in_force, lookup
from models import Batch, WasteBatch, WasteManifest, WasteManifestLine


def add_profile(session: Session, batch: Batch, declaration: Declaration, *, site_id: uuid.UUID,
                generated_at: dt.datetime, prefix: str = "") -> WasteBatch:
    """Check *declaration* and attach it to the new waste *batch* generated at *site_id*."""
    valid = checked(declaration, lookup(session, declaration.code), prefix=prefix)
    profile = WasteBatch(batch_id=batch.id, category=valid.category, code=valid.code,
                         characteristics=list(valid.characteristics), generating_site_id=site_id,
                         generated_at=generated_at, catalogue_edition=edition_in_force(generated_at.date()))
    session.add(profile)
    return profile


def profiles(session: Session, batch_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, WasteBatch]:
    """The waste profiles of those of *batch_ids* that are waste batches, in one query."""
    ids = list(batch_ids)
    if not ids:
        return {}
    return {p.batch_id: p for p in session.scalars(select(WasteBatch).where(WasteBatch.batch_id.in_(ids)))}


def names(session: Session, profile: WasteBatch) -> dict[str, object]:
    """The reference table's names for the profile's category and code, and the editions the code's entry was
    verified against (the declaration's own edition may be later: said, not hidden)."""
    known = lookup(session, profile.code)
    verified = list(known.verified_editions) if known else []
    return {"category_name": categories()[profile.category].name_zh,
            "code_description": known.description_zh if known else None,
            "code_verified_editions": verified, "code_added_by_admin": bool(known and known.added_by_admin),
            "code_verified_in_edition": profile.catalogue_edition in verified}


def profile_json(session: Session, profile: WasteBatch) -> dict[str, object]:
    """A waste profile (the declaration) as the trace shows it."""
    return {"category": profile.category, "code": profile.code, "characteristics": list(profile.characteristics),
            "catalogue_edition": profile.catalogue_edition, **names(session, profile),
            "generating_site_id": str(profile.generating_site_id), "generated_at": profile.generated_at.isoformat()}


def traced(session: Session, batch_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, object]]:
    """For the trace: each waste batch's profile and the manifests that carried it (two queries)."""
    found = profiles(session, batch_ids)
    if not found:
        return {}
    carried: dict[uuid.UUID, list[dict[str, object]]] = {batch_id: [] for batch_id in found}
    rows = session.execute(
        select(WasteManifestLine.batch_id, WasteManifest.number, WasteManifest.status, WasteManifest.disposer_id,
               WasteManifest.disposal_method, WasteManifestLine.quantity_kg, WasteManifestLine.received_kg)
        .join(WasteManifest, WasteManifest.id == WasteManifestLine.manifest_id)
        .where(WasteManifestLine.batch_id.in_(list(found)))
        .order_by(WasteManifest.created_at, WasteManifest.number))
    for batch_id, number, status, disposer_id, method, quantity, received in rows:
        carried[batch_id].append({
            "number": number, "status": str(status), "disposer_id": str(disposer_id), "disposal_method": method,
            "quantity_kg": f"{quantity:f}", "received_kg": None if received is None else f"{received:f}"})
    return {batch_id: {**profile_json(session, profile), "manifests": carried[batch_id]}
            for batch_id, profile in found.items()}
