"""Transformations (use in a process, blending, waste treatment) and splits: lineage recorded as it happens.

All inputs leave the actor's site for its ``transformed`` boundary and all outputs (new batches) come from it,
in one transaction; the entries share a ``transformation_id`` and carry their lineage role, so the lineage is
inside the hash chain. A split is a transformation of one input into batches of the same chemical whose
quantities add up to what was taken.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.i18n import N_
from app.services.ledger.accounts import batch_by_code, boundary_account, own_site_account
from app.services.ledger.codes import ProducerRef
from app.services.ledger.lifecycle import new_batch
from app.services.ledger.posting import Actor, Leg, ledger_transaction, record
from app.services.waste.batches import add_profile
from app.services.waste.codes import Declaration
from models import Boundary, EntryKind, LedgerEntry, LineageRole


@dataclass(frozen=True)
class Input:
    batch_code: str
    quantity: Decimal
    #: The lot's producer (id or USCC), when lots of several producers the actor knows share the code.
    producer: ProducerRef | None = None


@dataclass(frozen=True)
class Output:
    code: str
    chemical_id: uuid.UUID | None
    quantity: Decimal
    #: A waste output carries its declaration (category, code, characteristics).
    waste: Declaration | None = None


def transform(session: Session, actor: Actor, *, site_id: uuid.UUID, inputs: Sequence[Input],
              outputs: Sequence[Output], occurred_at: dt.datetime, split: bool = False,
              document_ref: str | None = None) -> list[LedgerEntry]:
    """Consume *inputs* and produce *outputs* at the actor's site; a *split* keeps chemical and quantity."""
    _check_shape(inputs, outputs, split)
    kind = EntryKind.SPLIT if split else EntryKind.TRANSFORM
    with ledger_transaction(session):
        site = own_site_account(session, actor.enterprise_id, site_id)
        hub = boundary_account(session, actor.enterprise_id, Boundary.TRANSFORMED)
        legs = [Leg(kind, batch_by_code(session, i.batch_code, actor.enterprise_id, producer=i.producer,
                                        field=f"inputs.{n}.batch"), site, hub, i.quantity, LineageRole.INPUT)
                for n, i in enumerate(inputs)]
        if split:
            parent = legs[0].batch
            outputs = [Output(o.code, parent.chemical_id, o.quantity) for o in outputs]
        for n, output in enumerate(outputs):
            if output.chemical_id is None:
                raise ValidationFailed("Each output names its chemical.",
                                       errors={f"outputs.{n}.chemical_id": [N_("required")]})
            batch = new_batch(session, code=output.code, chemical_id=output.chemical_id,
                              producer_id=actor.enterprise_id, produced_at=occurred_at,
                              quantity=output.quantity, field=f"outputs.{n}.code")
            if output.waste is not None:
                add_profile(session, batch, output.waste, site_id=site_id, generated_at=occurred_at,
                            prefix=f"outputs.{n}.")
            output_kind = EntryKind.GENERATE_WASTE if output.waste is not None else kind
            legs.append(Leg(output_kind, batch, hub, site, output.quantity, LineageRole.OUTPUT))
        entries = record(session, actor, legs, occurred_at=occurred_at, document_ref=document_ref,
                         transformation_id=uuid.uuid4())
    return entries


def _check_shape(inputs: Sequence[Input], outputs: Sequence[Output], split: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not inputs:
        errors["inputs"] = [N_("at least one input")]
    if not outputs:
        errors["outputs"] = [N_("at least one output")]
    if len({(i.batch_code, i.producer) for i in inputs}) != len(inputs):
        errors["inputs"] = [N_("each input batch once")]
    if len({o.code for o in outputs}) != len(outputs):
        errors["outputs"] = [N_("each output code once")]
    if split and len(inputs) != 1:
        errors["inputs"] = [N_("a split has exactly one input")]
    if split and inputs and outputs and sum(o.quantity for o in outputs) != inputs[0].quantity:
        errors["outputs"] = [N_("a split's outputs add up to its input")]
    if errors:
        raise ValidationFailed("The transformation is not well formed.", errors=errors)
