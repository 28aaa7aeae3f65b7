"""Enterprises: the firms, carriers and disposers the ledger's accounts belong to."""
from __future__ import annotations

import enum

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt, UuidPk


class EnterpriseRole(enum.StrEnum):
    PRODUCER = "producer"
    TRADER = "trader"
    USER = "user"
    STORAGE = "storage"
    CARRIER = "carrier"
    WASTE_DISPOSER = "waste_disposer"


class Enterprise(Base):
    """A legal entity identified by its unified social credit code (GB 32100)."""

    __tablename__ = "enterprises"

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(
        String(18), unique=True, comment="unified social credit code (GB 32100-2015)"
    )
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[str | None] = mapped_column(String(300))
    district_adcode: Mapped[str | None] = mapped_column(String(6), comment="county-level adcode (GB/T 2260)")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    def __repr__(self) -> str:
        return f"<Enterprise {self.uscc} {self.name}>"
