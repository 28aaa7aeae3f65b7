"""What the OpenAPI document says about fields apispec renders wrongly, so that it is valid OpenAPI 3.0 and every
response conforms to it (checked by ``openapi-spec-validator`` and Schemathesis in the suite).

apispec's marshmallow converter writes a Decimal's bounds as the Decimals they are, which leave as JSON strings
(``"maximum": "100"``: not OpenAPI); documents a Decimal dumped ``as_string`` as a number though it leaves as a
string; and marks a response field nullable only when it is declared ``allow_none``, though marshmallow dumps
``None`` for any field whose value is ``None``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask_smorest import Api

from app.api._paging import document_page_bound

#: A decimal number as a string (how quantities leave: exact, never a float).
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _number(value: Any) -> Any:
    """A bound as a JSON number: an integer when it is one, else a float (documentation, not validation)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def decimal_as_json(_converter: Any, field: ma.fields.Field, ret: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Decimal bounds as numbers; a Decimal dumped as a string documented as a decimal string."""
    if not isinstance(field, ma.fields.Decimal):
        return {}
    if field.as_string:
        for key in _BOUNDS:
            ret.pop(key, None)
        return {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    return {key: _number(ret[key]) for key in _BOUNDS if key in ret}


def _is_response_schema(schema: Any) -> bool:
    """The project names the schemas it answers with ``…Out`` (and only those)."""
    return type(schema).__name__.endswith("Out")


def nullable_in_responses(_converter: Any, field: ma.fields.Field, **_kwargs: Any) -> dict[str, Any]:
    """A response field may be null (an optional value not set): marshmallow dumps ``None`` as ``null``."""
    if _is_response_schema(field.parent) and not isinstance(field, (ma.fields.Nested, ma.fields.Pluck)):
        return {"nullable": True}
    return {}


def init_spec(api: Api) -> None:
    """Register the corrections on *api*'s converter; before any blueprint is registered with it."""
    converter = api.ma_plugin.converter
    for function in (decimal_as_json, nullable_in_responses, document_page_bound):
        converter.add_attribute_function(function)
