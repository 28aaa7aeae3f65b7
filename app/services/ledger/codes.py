"""Which batch a lot code names for the one who reads or posts it.

A code is unique per producer (migration 0045), not system-wide: two producers may number their lots alike, and a
firm registering a code learns nothing of another's. Each lookup narrows the batches to those its reader may know
(an enterprise: what it produced or held; the authorities: all) and then applies one rule, :func:`choose`.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from app.errors import Conflict
from app.i18n import Text
from models import Batch


def choose(found: Sequence[Batch], code: str, *, own: uuid.UUID | None = None, field: str = "producer") -> Batch | None:
    """The batch *code* names among *found* (the batches with that code its reader may know): the reader's own lot
    when it has one (a firm names its own lots by their codes), else the only one, else None. Lots of several
    other producers: 409 ``ambiguous_batch`` naming them (each one the reader may know), under *field*."""
    mine = [batch for batch in found if batch.producer_id == own]
    if mine:
        return mine[0]
    if len(found) > 1:
        raise Conflict(Text("Batch code '{code}' is used by {count} producers: name the producer.",
                            code=code, count=len(found)), code="ambiguous_batch",
                       errors={field: sorted(str(batch.producer_id) for batch in found)})
    return found[0] if found else None
