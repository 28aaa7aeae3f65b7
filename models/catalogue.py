"""The dangerous-goods catalogue: UN/ADR facts plus the Chinese regime's flags and controls."""
from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt, UuidPk


class ControlLevel(enum.StrEnum):
    """The 禁限控 regime: prohibited, restricted, controlled; ``none`` for everything else."""

    NONE = "none"
    CONTROLLED = "controlled"
    RESTRICTED = "restricted"
    PROHIBITED = "prohibited"


class Chemical(Base):
    """One catalogue entry. Several entries may share a UN number (n.o.s. entries); CAS numbers are a list."""

    __tablename__ = "chemicals"

    id: Mapped[UuidPk]
    un_number: Mapped[str | None] = mapped_column(String(4), index=True, comment="UN number, 4 digits")
    name_zh: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(500), comment="proper shipping name")
    hazard_class: Mapped[str | None] = mapped_column(String(8), comment="ADR class or division, e.g. 2.3")
    classification_code: Mapped[str | None] = mapped_column(String(12), comment="ADR classification code")
    packing_group: Mapped[str | None] = mapped_column(String(3), comment="I, II or III")
    tunnel_code: Mapped[str | None] = mapped_column(String(8), comment="ADR tunnel restriction code")
    cas_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    catalogue_serial: Mapped[int | None] = mapped_column(comment="serial in 危险化学品目录(2015版)")
    highly_toxic: Mapped[bool] = mapped_column(default=False, comment="剧毒")
    explosive_precursor: Mapped[bool] = mapped_column(default=False, comment="易制爆")
    key_supervised: Mapped[bool] = mapped_column(default=False, comment="重点监管")
    control_level: Mapped[ControlLevel] = mapped_column(default=ControlLevel.NONE)
    major_hazard_threshold_t: Mapped[Decimal | None] = mapped_column(comment="GB 18218 threshold, tonnes")
    source: Mapped[str] = mapped_column(String(40), default="manual", comment="where the entry came from")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    def __repr__(self) -> str:
        return f"<Chemical UN{self.un_number} {self.name_en or self.name_zh}>"
