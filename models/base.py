"""The declarative base every model inherits from."""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

from models.types import Quantity, TZDateTime

#: Deterministic constraint names, so migrations can name what they alter (warehouse/db.py).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Typed declarative base: enums stored by value, UTC timestamps, Decimal quantities."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: TZDateTime,
        Decimal: Quantity,
        enum.Enum: Enum(
            enum.Enum,
            native_enum=False,
            length=40,
            values_callable=lambda cls: [member.value for member in cls],
        ),
    }
