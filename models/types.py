"""Column types and aliases shared by every model.

Timestamps are timezone-aware UTC everywhere: naive datetimes are refused when written, and values read back
from SQLite (which stores no offset) are marked UTC. Quantities are ``Decimal`` kilograms: ``NUMERIC`` on
PostgreSQL and exact integer grams on SQLite, whose NUMERIC is a float underneath.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, text
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

#: Quantities carry three decimals of a kilogram (a gram).
QUANTITY_SCALE = 3
_GRAMS = Decimal(10) ** QUANTITY_SCALE
#: What a Quantity column holds: NUMERIC(18, 3), so below 10^15 kg.
QUANTITY_LIMIT = Decimal(10) ** (18 - QUANTITY_SCALE)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


class TZDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC on the Python side."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a time zone")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Quantity(TypeDecorator[Decimal]):
    """An exact quantity in kilograms with gram resolution."""

    impl = Numeric(18, QUANTITY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, QUANTITY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantity = Decimal(value)
        if quantity != quantity.quantize(1 / _GRAMS):
            raise ValueError(f"quantity {value} kg is finer than a gram")
        return int(quantity * _GRAMS) if dialect.name == "sqlite" else quantity

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / _GRAMS).quantize(1 / _GRAMS)
        return Decimal(value).quantize(1 / _GRAMS)


UuidPk = Annotated[uuid.UUID, mapped_column(primary_key=True, default=uuid.uuid4)]
CreatedAt = Annotated[
    dt.datetime, mapped_column(TZDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))
]
