"""Importing dangerous-goods reference data from CSV (``hazledger catalogue import``).

A file needs a ``un_number`` and a ``class`` column and a name (``description`` or ``name_en``, or
``name_zh``); every other known column is optional, and an import writes only the columns its file has, so
the UN/ADR list never clears the Chinese flags an administrator or the seed list set. Rows are keyed by
(source, UN number): importing the same file again finds every row unchanged and writes nothing. A reference
list without Chinese names never makes a second chemical for a UN number another source already holds (the
seed list's 甲醇 with its controls): it fills in the facts that chemical lacks instead.
A bad row is rejected with its line number and reason; only an unusable file (unreadable, no header, a
required column missing) stops the import, before anything is written.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.i18n import Text
from app.services import unit_of_work
from app.services.hazards.gb18218 import categories_problem, split_categories
from models import Chemical, ControlLevel
from app.services.dangerous_goods.entries import LABEL_MODEL
from models.catalogue import TRANSPORT_CATEGORIES, hazard_class_problem, tunnel_code_problem
from models.identifiers import cas_problem, un_number_problem

#: ``2 (D/E)``: ADR transport category, then the tunnel restriction code; a bare code is accepted too.
_TUNNEL = re.compile(r"^(?:(?P<category>.+?)\s*)?\((?P<code>[^()]+)\)$")
_TRUE, _FALSE = {"1", "true", "yes", "y", "是"}, {"", "0", "false", "no", "n", "否"}
_NAME_COLUMNS = ("description", "name_en", "name_zh")


class RowProblem(ValueError):
    """Why one cell makes its row unusable: a catalogue message with its values (the page shows it in the
    reader's language, the CLI in English)."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason)
        self.reason = reason


def _joined(reasons: list[Text]) -> Text:
    """Several reasons as one, ``; ``-separated, each still shown in the reader's language."""
    if len(reasons) == 1:
        return reasons[0]
    return Text("; ".join(f"{{reason{i}}}" for i in range(len(reasons))),
                **{f"reason{i}": reason for i, reason in enumerate(reasons)})


def _required(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    def parse(cell: str) -> str:
        reason = problem(cell)
        if reason:
            raise RowProblem(Text("{cell} {reason}", cell=repr(cell), reason=reason))
        return cell
    return parse


def _text(limit: int) -> Callable[[str], str | None]:
    def parse(cell: str) -> str | None:
        if len(cell) > limit:
            raise RowProblem(Text("longer than {limit} characters", limit=limit))
        return cell or None
    return parse


def _tunnel(cell: str) -> dict[str, str | None]:
    """``2 (D/E)`` → category 2, code D/E; ``None`` or empty → unknown. A category like ``See SP 671`` is kept
    out (it is a reference to a special provision, not a category), its code kept."""
    if cell in ("", "None"):
        return {"transport_category": None, "tunnel_code": None}
    match = _TUNNEL.match(cell)
    category, code = (match["category"], match["code"].strip()) if match else (None, cell)
    reason = tunnel_code_problem(code)
    if reason:
        raise RowProblem(Text("{cell} {reason}", cell=repr(code), reason=reason))
    return {"transport_category": category if category in TRANSPORT_CATEGORIES else None, "tunnel_code": code}


def _cas_list(cell: str) -> list[str]:
    numbers = [n.strip() for n in re.split(r"[;；]", cell) if n.strip()]
    bad = [Text("CAS {cell} {reason}", cell=repr(n), reason=reason) for n in numbers if (reason := cas_problem(n))]
    if bad:
        raise RowProblem(_joined(bad))
    return numbers


def _labels(cell: str) -> str | None:
    """ADR label models joined by ``+``, the primary hazard first (``2.3+5.1+8``)."""
    labels = [label.strip() for label in cell.split("+") if label.strip()]
    bad = [label for label in labels if not LABEL_MODEL.match(label)]
    if bad:
        raise RowProblem(Text("{labels} is no ADR label model", labels=", ".join(bad)))
    return "+".join(labels) or None


def _flag(cell: str) -> bool:
    if cell.lower() in _TRUE | _FALSE:
        return cell.lower() in _TRUE
    raise RowProblem(Text("{cell} is not yes or no", cell=repr(cell)))


def _choice(values: Iterable[str]) -> Callable[[str], str | None]:
    allowed = tuple(values)

    def parse(cell: str) -> str | None:
        if cell and cell not in allowed:
            raise RowProblem(Text("{cell} is not one of {allowed}", cell=repr(cell), allowed=", ".join(allowed)))
        return cell or None
    return parse


def _categories(cell: str) -> str | None:
    """GB 18218 categories, several separated by commas (a chemical with several hazards)."""
    if not cell:
        return None
    problem = categories_problem(cell)
    if problem:
        raise RowProblem(problem)
    return ",".join(split_categories(cell))


def _control_level(cell: str) -> ControlLevel:
    try:
        return ControlLevel(cell or ControlLevel.NONE)
    except ValueError:
        raise RowProblem(Text("{cell} is not one of {allowed}", cell=repr(cell),
                              allowed=", ".join(ControlLevel))) from None


def _positive(cell: str) -> Decimal | None:
    """A positive number with at most 3 decimals (a threshold in tonnes, a correction factor), or blank."""
    if not cell:
        return None
    try:
        value = Decimal(cell)
    except InvalidOperation:
        raise RowProblem(Text("{cell} is not a number", cell=repr(cell))) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.001")):
        raise RowProblem(Text("{cell} is not a positive quantity with at most 3 decimals", cell=repr(cell)))
    return value


#: file column → (what it sets: an attribute name, or None when the parser returns several, parser).
COLUMNS: dict[str, tuple[str | None, Callable[[str], Any]]] = {
    "un_number": ("un_number", _required(un_number_problem)),
    "description": ("name_en", _text(500)),
    "name_en": ("name_en", _text(500)),
    "name_zh": ("name_zh", _text(300)),
    "class": ("hazard_class", _required(hazard_class_problem)),
    "classification_code": ("classification_code", _text(12)),
    "packing_group": ("packing_group", _choice(("I", "II", "III"))),
    "labels": ("labels", _labels),
    "tunnel": (None, _tunnel),
    "cas_numbers": ("cas_numbers", _cas_list),
    "highly_toxic": ("highly_toxic", _flag),
    "explosive_precursor": ("explosive_precursor", _flag),
    "key_supervised": ("key_supervised", _flag),
    "control_level": ("control_level", _control_level),
    "major_hazard_threshold_t": ("major_hazard_threshold_t", _positive),
    "major_hazard_category": ("major_hazard_category", _categories),
    "major_hazard_beta": ("major_hazard_beta", _positive),
}


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: rows of a reference list whose UN number another source's chemical already holds: filled in, not copied
    merged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _header(reader: csv.DictReader[str]) -> list[str]:
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise ValidationFailed("The file is empty: a header row is needed.")
    missing = [c for c in ("un_number", "class") if c not in header]
    if not any(c in header for c in _NAME_COLUMNS):
        missing.append(" or ".join(_NAME_COLUMNS))
    if missing:
        raise ValidationFailed(Text("The file lacks the column(s) {names}; it has {names2}.", names=', '.join(missing),
                                    names2=', '.join(header)))
    return header


def _parse_row(row: dict[str, str], columns: list[str]) -> dict[str, Any]:
    if any("\0" in (cell or "") for cell in row.values() if isinstance(cell, str)):
        raise RowProblem(Text("contains a NUL character"))  # PostgreSQL refuses NUL in text
    values: dict[str, Any] = {}
    problems: list[Text] = []
    for column in columns:
        attribute, parse = COLUMNS[column]
        try:
            parsed = parse((row.get(column) or "").strip())
        except RowProblem as problem:
            problems.append(Text("{column}: {reason}", column=column, reason=problem.reason))
            continue
        values.update(parsed if attribute is None else {attribute: parsed})
    if not problems and not (values.get("name_en") or values.get("name_zh")):
        problems.append(Text("no name"))
    if problems:
        raise RowProblem(_joined(problems))
    return values


def import_catalogue(session: Session, text: str, source: str) -> ImportReport:
    """Upsert the rows of a CSV document under *source*; returns what was created, updated, rejected."""
    try:
        return _import(session, csv.DictReader(io.StringIO(text), strict=True), source)
    except csv.Error as error:
        raise ValidationFailed(Text("The file is not valid CSV: {error}.", error=error)) from None


def _import(session: Session, reader: csv.DictReader[str], source: str) -> ImportReport:
    reader.fieldnames = _header(reader)
    columns = [c for c in reader.fieldnames if c in COLUMNS]
    report = ImportReport(source)
    with unit_of_work(session):
        existing = {c.source_ref: c for c in session.scalars(select(Chemical).where(Chemical.source == source))}
        elsewhere = {} if "name_zh" in columns else _held_elsewhere(session, source)
        first_line: dict[str, int] = {}
        for row in reader:
            report.rows += 1
            un_number = (row.get("un_number") or "").strip()
            try:
                if un_number in first_line:
                    raise RowProblem(Text("UN {un_number} appears again (first on line {line})", un_number=un_number,
                                          line=first_line[un_number]))
                values = _parse_row(row, columns)
            except RowProblem as problem:
                report.rejected.append({"line": reader.line_num, "un_number": un_number, "reason": problem.reason})
                continue
            first_line[un_number] = reader.line_num
            if un_number not in existing and un_number in elsewhere:
                _fill_in(elsewhere[un_number], values, report)
            else:
                _upsert(session, existing.get(un_number), values, source, report)
    return report


def _held_elsewhere(session: Session, source: str) -> dict[str, list[Chemical]]:
    """Active chemicals of other sources by UN number: a reference list (English names, no Chinese column)
    attaches to them instead of making an English twin that lacks their controls (issue 24)."""
    held: dict[str, list[Chemical]] = {}
    for chemical in session.scalars(select(Chemical).where(Chemical.source != source, Chemical.active.is_(True),
                                                           Chemical.un_number.is_not(None))):
        held.setdefault(chemical.un_number or "", []).append(chemical)
    return held


def _fill_in(chemicals: list[Chemical], values: dict[str, Any], report: ImportReport) -> None:
    """Give the chemicals holding a UN number the facts they lack; names, flags and controls they have stay."""
    for chemical in chemicals:
        for name, value in values.items():
            if value not in (None, "", []) and getattr(chemical, name) in (None, ""):
                setattr(chemical, name, value)
    report.merged += 1


def _upsert(session: Session, chemical: Chemical | None, values: dict[str, Any], source: str,
            report: ImportReport) -> None:
    if chemical is None:
        session.add(Chemical(source=source, source_ref=values["un_number"], **values))
        report.created += 1
        return
    changed = {k: v for k, v in values.items() if getattr(chemical, k) != v}
    for name, value in changed.items():
        setattr(chemical, name, value)
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1
