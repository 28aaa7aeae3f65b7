"""Quantities as the user states them (t, kg, g, L with a density, ...) converted to Decimal kilograms by pint.

Beside pint's own units the registry knows the Chinese names people type (吨, 千克/公斤, 克, 升), defined in
``app/data/units_zh.txt``.
"""
from __future__ import annotations

import functools
import re
from importlib import resources
from decimal import ROUND_HALF_EVEN, Decimal
from tokenize import TokenError
from typing import TYPE_CHECKING

from app.errors import ValidationFailed
from app.i18n import N_, Text
from models.types import QUANTITY_LIMIT, QUANTITY_SCALE
from routing._lazy import lazy

if TYPE_CHECKING:
    import pint
else:
    pint = lazy("pint")

_GRAM = Decimal(1).scaleb(-QUANTITY_SCALE)


@functools.cache
def _registry() -> pint.UnitRegistry:
    # Built once, on first use (it takes a few hundred ms); Decimal all the way, never float.
    registry = pint.UnitRegistry(non_int_type=Decimal)
    with resources.as_file(resources.files("app.data") / "units_zh.txt") as path:
        registry.load_definitions(str(path))
    return registry


#: What a unit's name may hold: letters (Chinese too), digits, and the operators of a compound unit (kg/L).
_UNIT_TEXT = re.compile(r"[^\W\d][\w ./*^-]*")


def to_kilograms(value: Decimal | int | str, unit: str, density_kg_per_l: Decimal | None = None,
                 *, field: str = "quantity") -> Decimal:
    """*value* *unit* as kilograms rounded to the gram; a volume needs the density in kg/L.

    *unit* is any mass or volume pint knows (t, kg, g, L, ...) or its Chinese name (吨, 千克, 公斤, 克, 升).

    Raises ValidationFailed (422) naming *field*, ``unit`` or ``density_kg_per_l`` for a non-positive
    quantity, one past what a Quantity column holds, an unknown unit, a unit that is neither a mass nor a volume, or
    a volume without a density.
    """
    if unit == "kg" and isinstance(value, (Decimal, int)) and Decimal(value).is_finite():
        return _rounded_positive(Decimal(value), value, unit, field)  # kg already: pint would multiply by 1
    ureg = _registry()
    amount = _quantity(value, unit)
    if amount.dimensionality == ureg.kilogram.dimensionality:
        mass = amount
    elif amount.dimensionality == ureg.liter.dimensionality:
        if density_kg_per_l is None or density_kg_per_l <= 0:
            raise ValidationFailed(Text("A volume in {unit} needs a positive density to become a mass.", unit=unit),
                                   errors={"density_kg_per_l": [N_("required (> 0) for a volume")]})
        mass = amount * ureg.Quantity(Decimal(density_kg_per_l), "kg/L")
    else:
        raise ValidationFailed(Text("'{unit}' is not a unit of mass or volume.", unit=unit),
                               errors={"unit": [N_("not a mass or volume")]})
    return _rounded_positive(Decimal(mass.to("kg").magnitude), value, unit, field)


def _quantity(value: Decimal | int | str, unit: str) -> pint.Quantity:
    """*value* *unit* as a pint quantity; ValidationFailed (422, ``unit``) for what is not a unit pint knows."""
    if not _UNIT_TEXT.fullmatch(unit):
        raise ValidationFailed(Text("'{unit}' is not a unit of mass or volume.",
                                    unit=unit), errors={"unit": [N_("unknown unit")]})
    try:
        return _registry().Quantity(Decimal(str(value)), unit)
    # pint parses the unit as an expression: what is not one fails in its tokenizer, parser or arithmetic.
    except (pint.PintError, TokenError, SyntaxError, AssertionError, ArithmeticError, ValueError, AttributeError,
            TypeError):
        raise ValidationFailed(Text("'{unit}' is not a unit of mass or volume.",
                                    unit=unit), errors={"unit": [N_("unknown unit")]})


def in_unit(value: Decimal | int | str, unit: str, target: str) -> Decimal | None:
    """*value* *unit* in *target* (``kg`` or ``L``), or None when *unit* measures something else: a volume is
    never made a mass (nor a mass a volume) by a guessed density. ValidationFailed for an unknown unit."""
    amount = _quantity(value, unit)
    wanted = _registry().Quantity(1, target)
    if amount.dimensionality != wanted.dimensionality:
        return None
    return Decimal(amount.to(target).magnitude)


def _rounded_positive(kilograms: Decimal, value: Decimal | int | str, unit: str, field: str) -> Decimal:
    kilograms = kilograms.quantize(_GRAM, rounding=ROUND_HALF_EVEN)
    if kilograms <= 0:
        raise ValidationFailed(Text("The quantity must be at least a gram; got {value} {unit}.", value=value,
                                    unit=unit),
                               errors={field: [N_("must be > 0 (at least 1 g)")]})
    if kilograms >= QUANTITY_LIMIT:  # 1e12 t passes the field's bound, not the conversion to kg
        raise ValidationFailed(Text("The quantity must be less than {quantity_limit:,} kg; got {value} {unit}.",
                                    quantity_limit=QUANTITY_LIMIT, value=value, unit=unit),
                               errors={field: [Text("must be < {quantity_limit} kg", quantity_limit=QUANTITY_LIMIT)]})
    return kilograms
