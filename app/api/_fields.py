"""Fields, validators and base schemas the registry payloads share, built on the pure checks in ``models/``."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._query import PagedQuery
from app.i18n import N_, Text
from app.services.ledger.codes import ProducerRef, producer_ref
from models.catalogue import hazard_class_problem, scope_class_problem
from models.identifiers import normalize_plate, un_number_problem
from models.types import QUANTITY_LIMIT, QUANTITY_SCALE

#: What a Quantity column holds: NUMERIC(18, 3), so below 10^15 kg.
MAX_KG = QUANTITY_LIMIT
#: The longest search text a list takes (``q`` and the like): names are shorter, and SQLite refuses LIKE patterns
#: past 50,000 characters with an error that is no fault of the database.
MAX_SEARCH_LENGTH = 200
#: The densest density a volume may be converted with, in kg/L: osmium, the densest element, is 22.6.
MAX_DENSITY = Decimal(30)


def checked_by(problem: Callable[[str], str | None], what: str) -> Callable[[str], None]:
    """A marshmallow validator from a ``*_problem`` function: the reason becomes the field's message. *what* is
    a catalogue message (``make translations`` reads it from the call)."""

    def check(value: str) -> None:
        reason = problem(value)
        if reason:
            raise ma.ValidationError(Text("Not {what}: {reason}.", what=Text(what), reason=reason))

    return check


def no_nul(value: str) -> None:
    """PostgreSQL cannot store or compare text with a NUL character: bad input, refused before any query."""
    if "\0" in value:
        raise ma.ValidationError("Must not contain NUL characters.")


def _whole_grams(value: Decimal) -> None:
    # By the exponent, not by quantize(): that raises for 1e309, which reaches here however the bounds judged it.
    if value.is_finite() and value and -value.normalize().as_tuple().exponent > QUANTITY_SCALE:
        raise ma.ValidationError(Text("Must have at most {quantity_scale} decimals.", quantity_scale=QUANTITY_SCALE))


def decimal_in(minimum: Decimal | int = 0, maximum: Decimal = MAX_KG, *, min_inclusive: bool = False,
               validators: list[Callable[[Decimal], Any]] | None = None, **kwargs: Any) -> ma.fields.Decimal:
    """A decimal number in [*minimum*, *maximum*) (above *minimum* unless *min_inclusive*), for any input field.

    Every decimal input is bounded on both sides: a number like ``1e309`` or 32 digits is a valid Decimal, but no
    quantity, density or count of this domain, and past NUMERIC(18, 3) the database refuses it with an error.
    The bounds are documented in the OpenAPI document as numbers (see ``app/api/_openapi.py``).
    """
    bounds = validate.Range(min=minimum, min_inclusive=min_inclusive, max=maximum, max_inclusive=False)
    return ma.fields.Decimal(validate=[bounds, *(validators or ())], **kwargs)


def positive_quantity(maximum: Decimal = MAX_KG, **kwargs: Any) -> ma.fields.Decimal:
    """A positive quantity in kilograms that a Quantity column can hold exactly."""
    return decimal_in(0, maximum, validators=[_whole_grams], **kwargs)


def search_text(**kwargs: Any) -> ma.fields.String:
    """A search parameter: a bounded length (see :data:`MAX_SEARCH_LENGTH`)."""
    return ma.fields.String(validate=validate.Length(max=MAX_SEARCH_LENGTH), **kwargs)


def quantity_out() -> ma.fields.Decimal:
    """A stored quantity as it leaves: always three decimals, whether just written or read back."""
    return ma.fields.Decimal(as_string=True, places=QUANTITY_SCALE)


def un_numbers(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=checked_by(un_number_problem, "a UN number")),
                          load_default=list, **kwargs)


def hazard_classes(*, scope: bool = True, **kwargs: Any) -> ma.fields.List:
    """ADR classes; with *scope* also whole classes (``"6"`` covers 6.1 and 6.2)."""
    problem = scope_class_problem if scope else hazard_class_problem
    return ma.fields.List(ma.fields.String(validate=checked_by(problem, "a hazard class")),
                          load_default=list, **kwargs)


def adcode(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=validate.Regexp(r"^\d{6}$", error="Must be a 6-digit adcode (GB/T 2260)."),
                            **kwargs)


class Plate(ma.fields.String):
    """A licence plate, normalized (``苏b·12345`` → ``苏B12345``) before it is validated."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalize_plate(super()._deserialize(value, attr, data, **kwargs))


class RecordOut(ma.Schema):
    """What every registry record shows besides its own fields."""

    id = ma.fields.UUID()
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class OwnedQuery(PagedQuery):
    """The filters every enterprise-owned resource takes (see ``registry.owned_filters``)."""

    enterprise = ma.fields.UUID(metadata={"description": "the owning enterprise"})
    active = ma.fields.Boolean()
    q = search_text(metadata={"description": "part of the name (of the plate, for vehicles)"})


class Producer(ma.fields.String):
    """A batch's producer named beside its code (``producer`` next to ``batch``): the enterprise's id or its
    unified social credit code (GB 32100-2015). Loads as a :data:`~app.services.ledger.codes.ProducerRef`."""

    default_error_messages = {"invalid_producer": N_("Not an enterprise id or a unified social credit code.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("description", (
            "the producer of the lot the batch code names, by its enterprise id or its USCC (统一社会信用代码): "
            "needed only when lots of several producers that the caller knows share the code (409 "
            "ambiguous_batch names this field and lists them); the caller's own lot comes first without it"))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> ProducerRef:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return producer_ref(text)
        except ValueError as error:
            raise self.make_error("invalid_producer") from error
