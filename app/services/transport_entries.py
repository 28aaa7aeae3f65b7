"""The catalogue's transport facts: ADR 2017 Table A entries in the database, and the entry a chemical travels
under when the table has not been imported.

``hazledger catalogue import adr2017_table_a.csv`` stores every entry (one row per UN number, packing group and
variant) and makes one chemical per UN number the catalogue lacks; chemicals already there (the Chinese seed, an
administrator's entry) keep their names and controls and simply map to their UN number's entries.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import Text
from app.services import unit_of_work
from app.services.dangerous_goods.entries import (
    NOT_SUBJECT, PROHIBITED, Entry, EntryError, TableA, read_table_a, un_number_of,
)
from models import Chemical, TransportEntry

#: Entry attributes stored as columns of the same name (labels and special provisions are joined).
_PLAIN = ("un_number", "name", "hazard_class", "classification_code", "packing_group", "tank_code",
          "transport_category", "tunnel_code", "hazard_id", "carriage", "variant")


@dataclass
class TableAReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    chemicals_created: int = 0
    #: UN numbers whose entries went to chemicals the catalogue had (their names and controls kept)
    chemicals_kept: int = 0
    rejected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _columns(entry: Entry) -> dict[str, object]:
    values = {name: getattr(entry, name) for name in _PLAIN}
    return {**values, "labels": "+".join(entry.labels), "special_provisions": " ".join(entry.special_provisions)}


def entry_of(row: Any) -> Entry:
    """A stored entry (a :class:`TransportEntry` or a record of its columns) as the rules read it."""
    return Entry(**{name: getattr(row, name) for name in _PLAIN},
                 labels=tuple(x for x in row.labels.split("+") if x),
                 special_provisions=tuple(row.special_provisions.split()))


def stored_table(session: Session, un_numbers: Iterable[str] | None = None) -> TableA:
    """The stored entries (of *un_numbers*, or all); empty when Table A was never imported."""
    query = select(TransportEntry).order_by(TransportEntry.un_number, TransportEntry.ref)
    if un_numbers is not None:
        query = query.where(TransportEntry.un_number.in_(sorted(set(un_numbers))))
    return TableA.of(entry_of(row) for row in session.scalars(query))


@functools.lru_cache(maxsize=4)
def _file_table(path: str, _mtime_ns: int) -> TableA:
    return read_table_a(Path(path).read_text(encoding="utf-8-sig"))


def rules_table(session: Session, refs: Iterable[str], fallback: Path) -> TableA:
    """Table A for the rules: the catalogue's entries of the UN numbers *refs* name when Table A was imported,
    else the file *fallback* (read once per change)."""
    if session.scalar(select(TransportEntry.id).limit(1)) is not None:
        return stored_table(session, filter(None, (un_number_of(ref) for ref in refs)))
    try:
        return _file_table(str(fallback), fallback.stat().st_mtime_ns)
    except OSError:
        raise EntryError(Text("no ADR Table A: import it (hazledger catalogue import) or provide {fallback}",
                              fallback=fallback)) from None


def chemical_entry(chemical: Any) -> Entry:
    """The entry a chemical's own facts describe, for a UN number Table A (as imported) does not have. Its name
    loses a ``WASTE`` prefix (the document says it before the UN number, ADR 5.4.1.1.3); an n.o.s. name is read
    as carrying special provision 274 (the technical name in brackets, ADR 3.1.2.8.1), as most n.o.s. entries
    of Table A do."""
    name = waste_name(chemical.name_en or chemical.name_zh or "")[1]
    return Entry(un_number=chemical.un_number or "", name=name,
                 special_provisions=("274",) if "N.O.S" in name.upper() else (),
                 hazard_class=chemical.hazard_class or "", classification_code=chemical.classification_code or "",
                 packing_group=chemical.packing_group,
                 labels=tuple(x for x in (chemical.labels or "").split("+") if x),
                 transport_category=chemical.transport_category or "", tunnel_code=chemical.tunnel_code or "")


def waste_name(name: str) -> tuple[bool, str]:
    """Whether a catalogue name marks waste (``WASTE ...``), and the name without that word."""
    words = name.split(None, 1)
    if len(words) == 2 and words[0].upper().rstrip(",") == "WASTE":
        return True, words[1]
    return False, name


def import_table_a(session: Session, text: str, source: str) -> TableAReport:
    """Upsert the entries of a Table A CSV document by reference (UN/PG/variant) and give every carried UN
    number a chemical; rows that cannot be read are reported, never guessed."""
    table = read_table_a(text)
    report = TableAReport(source, rows=len(table) + len(table.problems), rejected=table.problems,
                          notes=table.notes)
    with unit_of_work(session):
        stored = {row.ref: row for row in session.scalars(select(TransportEntry))}
        for rows in table.entries.values():
            for entry in rows:
                _upsert(session, stored.get(entry.ref), entry, source, report)
        held = set(session.scalars(select(Chemical.un_number).where(Chemical.active.is_(True))))
        for un_number, rows in table.entries.items():
            if un_number in held:
                report.chemicals_kept += 1
            elif any(e.carriage not in (PROHIBITED, NOT_SUBJECT) for e in rows):
                session.add(_chemical(rows, source))
                report.chemicals_created += 1
    return report


def _upsert(session: Session, row: TransportEntry | None, entry: Entry, source: str, report: TableAReport) -> None:
    values = _columns(entry)
    if row is None:
        session.add(TransportEntry(ref=entry.ref, source=source, **values))
        report.created += 1
        return
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for name, value in changed.items():
        setattr(row, name, value)
    report.updated += bool(changed)
    report.unchanged += not changed


def _common(rows: Iterable[Entry], name: str) -> object | None:
    """The value every carried entry shares for *name*, or None when they differ."""
    values = {getattr(e, name) for e in rows if e.carriage is None}
    return values.pop() if len(values) == 1 else None


def _chemical(rows: list[Entry], source: str) -> Chemical:
    """One chemical for a UN number: its facts where every entry agrees (a packing group only if there is one)."""
    first = rows[0]
    labels = _common(rows, "labels")
    return Chemical(
        source=source, source_ref=first.un_number, un_number=first.un_number, name_en=first.name,
        hazard_class=first.hazard_class, classification_code=_common(rows, "classification_code") or None,
        packing_group=_common(rows, "packing_group"), tunnel_code=_common(rows, "tunnel_code") or None,
        transport_category=_common(rows, "transport_category") or None,
        labels="+".join(labels) if isinstance(labels, tuple) and labels else None)
