"""The Table A entry each waybill line travels under, and the checks that read it.

A line may name its entry (``entry_id``: UN number + packing group/variant); otherwise the chemical's UN number
(and packing group, if the catalogue gives one) must leave Table A no choice in what the document, the mixed
loading and the tunnel code read. Where Table A was never imported, the chemical's own facts stand in.
The entries come with the lines' batches (:class:`~app.services.waybills.records.CheckRecords`).
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.i18n import Text
from app.services.dangerous_goods.document_line import document_line, proper_shipping_names
from app.services.dangerous_goods.entries import Entry, EntryError, TableA
from app.services.dangerous_goods.mixed_loading import mixed_loading
from app.services.dangerous_goods.small_loads import LoadLine, SmallLoad, small_load, small_load_json
from app.services.dangerous_goods.tunnels import TunnelAnswer, load_restriction
from app.services.dangerous_goods.queries import line_facts
from app.services.transport_entries import chemical_entry, entry_of, waste_name
from app.services.waybills.records import ChemicalRecord, EntryRecord
from models import TransportEntry
from models.waybills import WaybillLine

_BRACKETED = re.compile(r"\(([^()]+)\)\s*$")


class Findings(Protocol):
    def error(self, path: str, message: str) -> None: ...


@dataclass(frozen=True)
class LineEntry:
    entry: Entry
    #: the stored Table A row; None when the chemical's own facts stand in for an entry
    entry_id: uuid.UUID | None
    document_line: str


@dataclass(frozen=True)
class LineRequest:
    path: str
    chemical: ChemicalRecord
    entry_id: uuid.UUID | None


def _technical_name(chemical: ChemicalRecord) -> str | None:
    """ADR 3.1.2.8.1's technical name: the bracketed end of the chemical's English name (``... N.O.S.
    (methanol)``), else its Chinese name (the document of a Chinese carriage is read in Chinese)."""
    match = _BRACKETED.search(chemical.name_en or "")
    return match.group(1) if match else chemical.name_zh


def _name(entry: Entry, chemical: ChemicalRecord) -> str | None:
    """The chemical's English name when it is one of the entry's alternatives (ADR 3.1.2.1), else the first."""
    wanted = " ".join(waste_name(chemical.name_en or "")[1].split()).upper()
    return next((n for n in proper_shipping_names(entry.name) if n.upper() == wanted), None)


def resolve_entries(stored: dict[str, dict[uuid.UUID, EntryRecord]], lines: Sequence[LineRequest],
                    found: Findings) -> dict[str, LineEntry]:
    """Each line's entry and document line, by line path; a line that has none gets its error in *found*."""
    rows = [row for rows in stored.values() for row in rows.values()]
    by_id = {row.id: row for row in rows}
    by_ref = {row.ref: row.id for row in rows}
    table = TableA.of(entry_of(row) for row in rows)
    resolved = {}
    for line in lines:
        chemical = line.chemical
        try:
            entry, entry_id = _entry(line, by_id, by_ref, table)
            text = document_line(entry, name=_name(entry, chemical), technical_name=_technical_name(chemical),
                                 waste=waste_name(chemical.name_en or "")[0])
        except EntryError as error:
            found.error(f"{line.path}.entry_id", error.args[0])
            continue
        resolved[line.path] = LineEntry(entry, entry_id, text)
    return resolved


def _entry(line: LineRequest, by_id: dict[uuid.UUID, EntryRecord], by_ref: dict[str, uuid.UUID],
           table: TableA) -> tuple[Entry, uuid.UUID | None]:
    chemical = line.chemical
    if line.entry_id is not None:
        row = by_id.get(line.entry_id)
        if row is None or row.un_number != chemical.un_number:
            raise EntryError(Text("not a Table A entry of UN {un_number}, the batch's chemical",
                                  un_number=chemical.un_number))
        return entry_of(row), row.id
    if not chemical.un_number or chemical.un_number not in table.entries:
        return chemical_entry(chemical), None
    carried = table.entries[chemical.un_number]
    pg = chemical.packing_group if any(e.packing_group == chemical.packing_group for e in carried) else None
    entry = table.resolve(f"{chemical.un_number}/{pg}" if pg else chemical.un_number, line_facts)
    return entry, by_ref[entry.ref]


def mixed_loading_errors(entries: Sequence[tuple[str, Entry]], found: Findings) -> None:
    """ADR 7.5.2 between every two lines; a refusal is tied to the later line's batch."""
    for j, (path_b, b) in enumerate(entries):
        for path_a, a in entries[:j]:
            for reason in mixed_loading([a, b]).reasons:
                found.error(f"{path_b}.batch_id", Text("may not travel with {line}: {reason}",
                                                       line=path_a.replace("lines.", "line "), reason=reason))


def load_tunnel_code(lines: Sequence[WaybillLine], *, tank: bool) -> TunnelAnswer:
    """The whole load's tunnel code (ADR 8.6.3.2) from the lines' entries as submitted, for carriage in a tank or
    not; the net explosive mass is the class 1 lines' quantity (an upper bound: articles hold less). Lines whose
    code is unknown are left out, as the route planner always did. A load under ADR 1.1.3.6 has no code
    (8.6.3.3, :func:`waybill_small_load`)."""
    entries = [Entry(line.un_number or "", "", line.hazard_class or "", packing_group=line.packing_group,
                     tunnel_code=line.tunnel_code or "") for line in lines if line.tunnel_code]
    explosive = [line.quantity_kg for line in lines if line.tunnel_code and line.hazard_class == "1"]
    mass = sum(explosive) if explosive and None not in explosive else None
    return load_restriction(entries, tank=tank, explosive_mass_kg=mass,
                            small_load=waybill_small_load(lines, tank=tank) if lines else None)


#: ADR 1.1.3.6.1 exempts packages only: packaging kinds (free text on a line) that say tank or bulk are none.
_NOT_PACKAGES = re.compile(r"tank|bulk|罐|散装", re.IGNORECASE)


def _in_packages(packaging_kind: str | None, tank: bool) -> bool | None:
    if tank:
        return False
    kind = (packaging_kind or "").strip()
    return None if not kind else not _NOT_PACKAGES.search(kind)


def _load_line(entry: Entry | None, un_number: str | None, quantity_kg: Decimal | None, packaging_kind: str | None,
               *, tank: bool) -> LoadLine:
    """A line as ADR 1.1.3.6 reads it: without its stored Table A entry (None) a line has no known transport
    category, so it keeps the load from the exemption."""
    return LoadLine(entry if entry is not None else Entry(un_number or "", "", ""), quantity_kg,
                    "kg" if quantity_kg is not None else None, packages=_in_packages(packaging_kind, tank),
                    label=f"UN {un_number}")


def waybill_small_load(lines: Sequence[WaybillLine], *, tank: bool) -> SmallLoad:
    """ADR 1.1.3.6 for the lines as submitted: each line's Table A entry (its transport category) and quantity.

    A line keeps its quantity in kg, so only entries ADR 1.1.3.6.3 counts by mass (solids, liquefied gases,
    explosives) can be counted; a liquid's litres are not made up from a density, so a load with a liquid is never
    exempt here. A line without a stored entry has no known category: not exempt either."""
    session = object_session(lines[0]) if lines else None
    ids = {line.entry_id for line in lines if line.entry_id}
    rows = {row.id: row for row in session.scalars(select(TransportEntry).where(TransportEntry.id.in_(ids)))} \
        if session is not None and ids else {}
    return small_load([_load_line(entry_of(rows[line.entry_id]) if line.entry_id in rows else None, line.un_number,
                                  line.quantity_kg, line.packaging_kind, tank=tank) for line in lines])


def rules_preview(session: Session, chemicals: Sequence[tuple[uuid.UUID, ChemicalRecord]],
                  loads: Sequence[tuple[Decimal | None, str | None]] | None = None) -> dict[str, Any]:
    """What the submission will say of these lines' goods, for the form to show while it is filled: each
    line's document line (or why there is none), whether they may travel together, the load's tunnel code.

    *loads* gives each line's quantity in kg and packaging kind as filled so far: the load in packages is weighed
    for ADR 1.1.3.6 as the route planner will weigh it (``small_load``; exempt: no tunnel code, 8.6.3.3)."""
    numbers = sorted({chemical.un_number for _, chemical in chemicals if chemical.un_number})
    stored: dict[str, dict[uuid.UUID, Any]] = {}
    for row in session.scalars(select(TransportEntry).where(TransportEntry.un_number.in_(numbers))
                               .order_by(TransportEntry.ref)):
        stored.setdefault(row.un_number, {})[row.id] = row
    found = _Collected()
    requests = [LineRequest(f"lines.{i}", chemical, None) for i, (_, chemical) in enumerate(chemicals)]
    resolved = resolve_entries(stored, requests, found)
    lines = [{"batch_id": str(batch_id), "document": resolved[r.path].document_line if r.path in resolved else None,
              "problems": found.errors.get(f"{r.path}.entry_id", [])} for (batch_id, _), r in zip(chemicals, requests)]
    entries = [resolved[r.path].entry for r in requests if r.path in resolved]
    decision = mixed_loading(entries)
    coded = [e for e in entries if e.tunnel_code]
    given = list(loads) if loads is not None and len(loads) == len(requests) else [(None, None)] * len(requests)
    stored_entries = {r.path: resolved[r.path].entry for r in requests
                      if r.path in resolved and resolved[r.path].entry_id is not None}
    load = small_load([_load_line(stored_entries.get(r.path), r.chemical.un_number, kg, kind, tank=False)
                       for r, (kg, kind) in zip(requests, given)]) if requests else None
    tunnel = {kind: load_restriction(coded, tank=kind == "tank", small_load=load if kind == "packages" else None)
              for kind in ("packages", "tank")}
    return {"lines": lines, "mix": {"allowed": decision.allowed, "reasons": decision.reasons},
            "tunnel": {kind: {"code": a.code, "closed": list(a.closed)} for kind, a in tunnel.items()},
            "small_load": small_load_json(load) if load is not None else None}


class _Collected:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)
