"""The one place where the ledger decides whether an enterprise may post an activity.

Every posting use case calls :func:`authorise_posting` exactly once per (activity, chemical) before it
writes anything. Today it checks that the acting enterprise exists and is active. The permit decision of the
registry (does the enterprise hold a valid permit covering this activity and this chemical on this date?)
joins here, and only here, once the registry service is merged.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from app.errors import NotFound, PermissionDenied
from models import Enterprise


def authorise_posting(session: Session, *, enterprise_id: uuid.UUID, activity: str, chemical_id: uuid.UUID,
                      on: dt.date) -> None:
    """Raise unless *enterprise_id* may perform *activity* (an entry kind) on *chemical_id* on date *on*."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"No enterprise {enterprise_id}.")
    if not enterprise.active:
        raise PermissionDenied(f"Enterprise {enterprise.name} is not active and may not {activity} on {on}.",
                               code="enterprise_inactive")
