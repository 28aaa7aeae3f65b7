"""Table A entries (ADR 2017 chapter 3.2): one row per entry, several per UN number where ADR splits it.

An entry is found by a reference ``UN[/PG[/VARIANT]]``: ``1203``, ``UN1993/II``, ``1993/II/2``. The variant
counts the rows of one UN number and packing group in Table A's order (UN 1993 has two PG II rows, told
apart by special provisions 640C and 640D). A reference that leaves a choice is fine as long as every entry
it names gives the same answer to the rule asked (see :meth:`TableA.resolve`).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from app.i18n import Text

T = TypeVar("T", bound=Hashable)

#: ADR 2.1.1.1 classes and divisions.
CLASSES = ("1", "2", "3", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9")
PACKING_GROUPS = ("I", "II", "III")
#: Table A column (4) holds these instead of a packing group for entries ADR does not let travel by road.
PROHIBITED, NOT_SUBJECT = "carriage prohibited", "not subject to ADR"
_REF = re.compile(r"^(?:UN\s*)?(?P<un>\d{4})(?:/(?P<pg>I{1,3}|-)?(?:/(?P<variant>\d+))?)?$", re.IGNORECASE)
LABEL_MODEL = re.compile(r"^(?:1(?:\.[4-6])?|2\.[1-3]|3|4\.[1-3]|5\.[12]|6\.[12]|7[A-EX]|8|9A?)$")


class EntryError(ValueError):
    """A reference names no entry, or names several that the rule asked cannot tell apart."""


@dataclass(frozen=True)
class Entry:
    """One row of Table A; the column numbers are ADR 3.2.1's."""

    un_number: str                      # (1)
    name: str                           # (2) name and description
    hazard_class: str                   # (3a)
    classification_code: str = ""       # (3b)
    packing_group: str | None = None    # (4)
    labels: tuple[str, ...] = ()        # (5) label models, the first for the primary hazard
    special_provisions: tuple[str, ...] = ()  # (6)
    tank_code: str = ""                 # (12)
    transport_category: str = ""        # (15), upper part
    tunnel_code: str = ""               # (15), lower part: the tunnel restriction code
    hazard_id: str = ""                 # (20) Kemler number
    carriage: str | None = None         # PROHIBITED or NOT_SUBJECT, from column (4)
    variant: int = 1

    @property
    def ref(self) -> str:
        """``1993/II/2``: UN number, packing group (``-`` for none) and variant."""
        return f"{self.un_number}/{self.packing_group or '-'}/{self.variant}"

    @property
    def compatibility_group(self) -> str | None:
        """Class 1's compatibility group, the letter of the classification code (``1.4G`` → ``G``)."""
        if self.hazard_class != "1" or not self.classification_code:
            return None
        return self.classification_code[-1]

    @property
    def division(self) -> str | None:
        """Class 1's division (``1.4G`` → ``1.4``)."""
        return self.classification_code[:3] if self.hazard_class == "1" and self.classification_code else None


@dataclass
class TableA:
    """Entries by UN number, in Table A's order, and the rows that could not be read."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)
    #: rows left out, and rows kept with a fact missing (e.g. no tunnel code), each with its line
    problems: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)

    @classmethod
    def of(cls, entries: Iterable[Entry], problems: Sequence[str] = (), notes: Sequence[str] = ()) -> TableA:
        table = cls(problems=list(problems), notes=list(notes))
        for entry in entries:
            table.entries.setdefault(entry.un_number, []).append(entry)
        return table

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.entries.values())

    def candidates(self, ref: str) -> list[Entry]:
        """Every entry *ref* may mean; :class:`EntryError` when it is malformed or names none."""
        match = _REF.match(ref.strip())
        if not match:
            raise EntryError(Text("{ref!r} is not UN[/PG[/VARIANT]] (e.g. 1203, 1993/II, 1993/II/2)", ref=ref))
        found = self.entries.get(match["un"], [])
        if not found:
            raise EntryError(Text("UN {value} is not in ADR 2017 Table A", value=match['un']))
        if match["pg"]:
            pg = None if match["pg"] == "-" else match["pg"].upper()
            found = [e for e in found if e.packing_group == pg]
        if match["variant"]:
            found = [e for e in found if e.variant == int(match["variant"])]
        if not found:
            have = ", ".join(e.ref for e in self.entries[match["un"]])
            raise EntryError(Text("{ref!r} names no entry of UN {value} (Table A has {have})", ref=ref,
                                  value=match['un'], have=have))
        return found

    def resolve(self, ref: str, answer: Callable[[Entry], T]) -> Entry:
        """The entry *ref* names, when all it may mean give the same *answer* (the facts a rule reads)."""
        found = self.candidates(ref)
        if len({answer(e) for e in found}) > 1:
            choices = "; ".join(f"{e.ref} {e.name} (PG {e.packing_group or '-'})" for e in found)
            raise EntryError(Text("{ref!r} is ambiguous: Table A has {value} entries that differ here; name one of: "
                                  "{choices}", ref=ref, value=len(found), choices=choices))
        return found[0]


def un_number_of(ref: str) -> str | None:
    """The UN number a reference names (None when it is malformed)."""
    match = _REF.match(ref.strip())
    return match["un"] if match else None


def _labels(cell: str) -> tuple[str, ...]:
    labels = tuple(part.strip() for part in cell.split("+") if part.strip() and part.strip() != "None")
    bad = [label for label in labels if not LABEL_MODEL.match(label)]
    if bad:
        raise EntryError(Text("labels {cell!r}: {names} is no ADR label model", cell=cell, names=', '.join(bad)))
    return labels


def _class(cell: str, labels: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """Column (3a), with the transcription's oddities repaired: ``9A`` is class 9 (label model 9A),
    ``8 + 6.1`` is class 8 with a 6.1 subsidiary label the labels column dropped."""
    parts = [p.strip() for p in cell.split("+")]
    primary = "9" if parts[0] == "9A" else parts[0]
    if primary not in CLASSES:
        raise EntryError(Text("class {cell!r} is no ADR class", cell=cell))
    extra = tuple(p for p in parts[1:] if p not in labels)
    return primary, labels + extra


def entry_from_row(row: dict[str, str], variant: int = 1) -> Entry:
    """One CSV row (columns as in ``adr2017_table_a.csv``) as an :class:`Entry`; :class:`EntryError` if bad."""
    cell = {k: (v or "").strip() for k, v in row.items() if k}
    un_number = cell.get("un_number", "")
    if not re.fullmatch(r"\d{4}", un_number):
        raise EntryError(Text("UN number {un_number!r} is not 4 digits", un_number=un_number))
    if not cell.get("name"):
        raise EntryError(Text("no name"))
    hazard_class, labels = _class(cell.get("class", ""), _labels(cell.get("labels", "")))
    pg_cell, carriage, pg = cell.get("packing_group", ""), None, None
    if pg_cell.upper().startswith("CARRIAGE PROHIBITED"):
        carriage = PROHIBITED
    elif pg_cell.upper().startswith("NOT SUBJECT TO ADR"):
        carriage = NOT_SUBJECT
    elif pg_cell:
        if pg_cell not in PACKING_GROUPS:
            raise EntryError(Text("packing group {pg_cell!r} is not I, II or III", pg_cell=pg_cell))
        pg = pg_cell
    tunnel = cell.get("tunnel_code", "").strip("()")
    if carriage is None and tunnel and tunnel not in TUNNEL_CODES:
        raise EntryError(Text("tunnel code {value!r} is no ADR tunnel restriction code", value=cell.get('tunnel_code')))
    category = cell.get("transport_category", "").strip("()")
    return Entry(
        un_number=un_number, name=cell["name"], hazard_class=hazard_class,
        classification_code=cell.get("classification_code", ""), packing_group=pg, labels=labels,
        special_provisions=tuple(cell.get("special_provisions", "").split()),
        tank_code="" if carriage else cell.get("tank_code", ""),
        transport_category=category if category in ("0", "1", "2", "3", "4", "-") else "",
        tunnel_code=tunnel, hazard_id=cell.get("hazard_id", ""), carriage=carriage, variant=variant)


#: ADR 1.9.5.2.2 / 8.6.4 tunnel restriction codes ("-": not restricted; "" unknown, never read as free).
TUNNEL_CODES = ("B", "B1000C", "B/D", "B/E", "C", "C5000D", "C/D", "C/E", "D", "D/E", "E", "-")


_TABLE_A_COLUMNS = frozenset(("un_number", "name", "class", "packing_group", "labels", "tunnel_code"))


def is_table_a(text: str) -> bool:
    """Whether a CSV document's header is Table A's (one row per entry, with labels and tunnel codes)."""
    header = next(csv.reader(io.StringIO(text)), [])
    return _TABLE_A_COLUMNS <= {name.strip() for name in header}


def read_table_a(text: str) -> TableA:
    """Read a Table A CSV document; rows it cannot read are listed in :attr:`TableA.problems` by line."""
    reader = csv.DictReader(io.StringIO(text))
    if not _TABLE_A_COLUMNS <= set(reader.fieldnames or ()):
        raise EntryError(Text("a Table A file needs the columns {names}", names=', '.join(sorted(_TABLE_A_COLUMNS))))
    entries, problems, notes = [], [], []
    seen: dict[tuple[str, str | None], int] = {}
    for row in reader:
        try:
            entry = entry_from_row(row)
        except EntryError as error:
            problems.append(Text("line {line} (UN {un_number}): {reason}", line=reader.line_num,
                                 un_number=(row.get("un_number") or "?").strip(), reason=error.args[0]))
            continue
        if not entry.carriage and not entry.tunnel_code:
            notes.append(Text("line {line} (UN {un_number}): no tunnel code; kept, read as unknown",
                              line=reader.line_num, un_number=entry.un_number))
        key = (entry.un_number, entry.packing_group)
        seen[key] = seen.get(key, 0) + 1
        entries.append(Entry(**{**entry.__dict__, "variant": seen[key]}))
    return TableA.of(entries, problems, notes)
