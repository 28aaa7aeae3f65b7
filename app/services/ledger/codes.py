"""Which batch a lot code names for the one who reads or posts it.

A code is unique per producer (migration 0045), not system-wide: two producers may number their lots alike, and a
firm registering a code learns nothing of another's. Each lookup narrows the batches to those its reader may know
(an enterprise: what it produced or held; the authorities: all) and then applies one rule, :func:`choose`.

A reader may name the producer beside the code (``producer`` next to ``batch`` in a body, ``?producer=`` on a
read, ``--producer`` on ``hazledger trace``): by its enterprise id, or by its unified social credit code (USCC,
GB 32100-2015), by which firms know each other.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.i18n import Text
from models import Batch, Enterprise
from models.identifiers import uscc_problem

#: A producer as named: its enterprise id, or its USCC (upper case).
ProducerRef = uuid.UUID | str


def producer_ref(value: str) -> ProducerRef:
    """*value* as a producer: an enterprise id (a UUID) or a well-formed USCC (GB 32100-2015, check character
    included; lower-case letters are read as upper case). ValueError for anything else."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    code = value.strip().upper()
    if uscc_problem(code) is not None:
        raise ValueError("not an enterprise id or a unified social credit code")
    return code


def producer_id(session: Session, ref: ProducerRef) -> uuid.UUID | None:
    """The enterprise id *ref* names; None for a USCC no enterprise has (the caller answers as for an unknown
    batch, so the lookup tells nobody which codes are registered)."""
    if isinstance(ref, uuid.UUID):
        return ref
    return session.scalar(select(Enterprise.id).where(Enterprise.uscc == ref))


def of_producer(ref: ProducerRef) -> ColumnElement[bool]:
    """The batches of the producer *ref* names (none for a USCC no enterprise has), as a filter on a query."""
    if isinstance(ref, uuid.UUID):
        return Batch.producer_id == ref
    return Batch.producer_id.in_(select(Enterprise.id).where(Enterprise.uscc == ref))


def beside(field: str, name: str = "producer") -> str:
    """The field *name* beside *field* in the same body or line: ``inputs.0.batch`` -> ``inputs.0.producer``."""
    parent, _, _ = field.rpartition(".")
    return f"{parent}.{name}" if parent else name


def choose(found: Sequence[Batch], code: str, *, own: uuid.UUID | None = None, field: str = "producer") -> Batch | None:
    """The batch *code* names among *found* (the batches with that code its reader may know): the reader's own lot
    when it has one (a firm names its own lots by their codes), else the only one, else None. Lots of several
    other producers: 409 ``ambiguous_batch`` naming them (each one the reader may know) under *field*, the field
    that takes the producer."""
    mine = [batch for batch in found if batch.producer_id == own]
    if mine:
        return mine[0]
    if len(found) > 1:
        raise Conflict(Text("Batch code '{code}' is used by {count} producers: name the producer in '{field}' (its "
                            "enterprise id or USCC).", code=code, count=len(found), field=field),
                       code="ambiguous_batch",
                       errors={field: sorted(str(batch.producer_id) for batch in found)})
    return found[0] if found else None
