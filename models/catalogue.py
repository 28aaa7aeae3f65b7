"""The dangerous-goods catalogue: UN/ADR facts plus the Chinese regime's flags and controls."""
from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.text import Text
from models.base import Base
from models.types import CreatedAt, UuidPk


#: ADR 2.1.1.1 classes and divisions (GB 6944 uses the same numbering).
HAZARD_CLASSES = ("1", "2", "3", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9")
#: What a permit or a qualification may name: a class or division, or a whole class that has divisions.
SCOPE_CLASSES = HAZARD_CLASSES + ("4", "5", "6")
#: ADR 1.9.5.2.2 / Table A column (15) tunnel restriction codes; "-" means no restriction.
TUNNEL_CODES = ("B", "B1000C", "B/D", "B/E", "C", "C5000D", "C/D", "C/E", "D", "D/E", "E", "-")
#: ADR 1.1.3.6 transport categories; "-" where the exemption does not apply.
TRANSPORT_CATEGORIES = ("0", "1", "2", "3", "4", "-")


def class_covers(scope: str, hazard_class: str) -> bool:
    """Whether a scope entry (``"6"`` or ``"6.1"``) covers *hazard_class*: the same, or a division of it."""
    return hazard_class == scope or hazard_class.startswith(scope + ".")


def hazard_class_problem(value: str) -> str | None:
    if value not in HAZARD_CLASSES:
        return Text("must be an ADR class or division ({classes})",
                    classes="1, 2, 3, 4.1-4.3, 5.1, 5.2, 6.1, 6.2, 7, 8, 9")
    return None


def scope_class_problem(value: str) -> str | None:
    if value not in SCOPE_CLASSES:
        return Text("must be an ADR class (1 to 9) or division ({divisions})", divisions="4.1-4.3, 5.1, 5.2, 6.1, 6.2")
    return None


def tunnel_code_problem(value: str) -> str | None:
    if value not in TUNNEL_CODES:
        return Text("must be an ADR tunnel restriction code ({codes})", codes=", ".join(TUNNEL_CODES))
    return None


class ControlLevel(enum.StrEnum):
    """The 禁限控 regime: prohibited, restricted, controlled; ``none`` for everything else."""

    NONE = "none"
    CONTROLLED = "controlled"
    RESTRICTED = "restricted"
    PROHIBITED = "prohibited"


class Chemical(Base):
    """One catalogue entry. Several entries may share a UN number (n.o.s. entries); CAS numbers are a list."""

    __tablename__ = "chemicals"
    # An import updates in place what the same source delivered before (hazledger catalogue import).
    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_chemicals_source_source_ref"),)

    id: Mapped[UuidPk]
    un_number: Mapped[str | None] = mapped_column(String(4), index=True, comment="UN number, 4 digits")
    name_zh: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(500), comment="proper shipping name")
    hazard_class: Mapped[str | None] = mapped_column(String(8), comment="ADR class or division, e.g. 2.3")
    classification_code: Mapped[str | None] = mapped_column(String(12), comment="ADR classification code")
    packing_group: Mapped[str | None] = mapped_column(String(3), comment="I, II or III")
    tunnel_code: Mapped[str | None] = mapped_column(String(8), comment="ADR tunnel restriction code")
    transport_category: Mapped[str | None] = mapped_column(String(1), comment="ADR 1.1.3.6 transport category")
    labels: Mapped[str | None] = mapped_column(
        String(40), comment="ADR label models joined by +, the primary first (chlorine 2.3+5.1+8)")
    cas_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    catalogue_serial: Mapped[int | None] = mapped_column(comment="serial in 危险化学品目录(2015版)")
    highly_toxic: Mapped[bool] = mapped_column(default=False, comment="剧毒")
    explosive_precursor: Mapped[bool] = mapped_column(default=False, comment="易制爆")
    key_supervised: Mapped[bool] = mapped_column(default=False, comment="重点监管")
    control_level: Mapped[ControlLevel] = mapped_column(default=ControlLevel.NONE)
    major_hazard_threshold_t: Mapped[Decimal | None] = mapped_column(comment="GB 18218 threshold, tonnes")
    major_hazard_category: Mapped[str | None] = mapped_column(
        String(40), comment="GB 18218 Table 2 hazard categories (J1-J5, W1.1-W11), comma-separated: several hazards")
    major_hazard_beta: Mapped[Decimal | None] = mapped_column(comment="GB 18218 correction factor β (Table 3/4)")
    source: Mapped[str] = mapped_column(String(40), default="manual", comment="where the entry came from")
    source_ref: Mapped[str | None] = mapped_column(String(40), comment="the entry's key within its source")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    def __repr__(self) -> str:
        return f"<Chemical UN{self.un_number} {self.name_en or self.name_zh}>"


class TransportEntry(Base):
    """One row of ADR 2017 Table A (JT/T 617.3-2018): a UN number's transport facts for one packing group and
    variant. A chemical maps to the entries of its UN number; a waybill line picks one."""

    __tablename__ = "transport_entries"

    id: Mapped[UuidPk]
    ref: Mapped[str] = mapped_column(String(12), unique=True, comment="UN/PG/variant, e.g. 1993/II/2")
    un_number: Mapped[str] = mapped_column(String(4), index=True)
    name: Mapped[str] = mapped_column(String(500), comment="Table A column (2): name and description")
    hazard_class: Mapped[str] = mapped_column(String(8), comment="column (3a)")
    classification_code: Mapped[str] = mapped_column(String(12), default="", comment="column (3b)")
    packing_group: Mapped[str | None] = mapped_column(String(3), comment="column (4)")
    labels: Mapped[str] = mapped_column(String(40), default="", comment="column (5), joined by +")
    special_provisions: Mapped[str] = mapped_column(String(100), default="", comment="column (6), space-separated")
    tank_code: Mapped[str] = mapped_column(String(40), default="", comment="column (12)")
    transport_category: Mapped[str] = mapped_column(String(1), default="", comment="column (15), upper part")
    tunnel_code: Mapped[str] = mapped_column(String(8), default="", comment="column (15): tunnel restriction code")
    hazard_id: Mapped[str] = mapped_column(String(8), default="", comment="column (20): Kemler number")
    carriage: Mapped[str | None] = mapped_column(
        String(24), comment="'carriage prohibited' or 'not subject to ADR' (column 4); null when carried")
    variant: Mapped[int] = mapped_column(default=1)
    source: Mapped[str] = mapped_column(String(40), comment="the import it came from")
    created_at: Mapped[CreatedAt]

    def __repr__(self) -> str:
        return f"<TransportEntry {self.ref} {self.name[:30]}>"
