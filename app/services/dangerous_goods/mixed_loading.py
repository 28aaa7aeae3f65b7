"""Mixed loading: may these packages travel in one vehicle (ADR 7.5.2.1 and, for class 1, 7.5.2.2)?

ADR 7.5.2.1: "Packages bearing different danger labels shall not be loaded together in the same vehicle or
container unless mixed loading is permitted according to the following table based on the danger labels borne."
The table is keyed on label models, so a package counts with every label it bears (chlorine: 2.3, 5.1 and 8),
except that self-reactive substances and organic peroxides bearing label 1 beside 4.1 or 5.2 have columns of
their own (``4.1+1``, ``5.2+1``). Between labels 1, 1.4, 1.5 and 1.6 the table defers to 7.5.2.2, which decides
by compatibility group. A blank cell is a prohibition; a note permits only what it names.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations, product

from app.i18n import Text
from app.services.dangerous_goods.entries import NOT_SUBJECT, PROHIBITED, Entry

EXPLOSIVE = ("1", "1.4", "1.5", "1.6")
#: Label models of the classes 2 to 8 that mix with each other freely (ADR 7.5.2.1 table, "X").
_ORDINARY = ("2", "3", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9")

# ADR 7.5.2.1, notes under the table.
#: a) "Mixed loading permitted with 1.4S substances and articles."
NOTE_A = "a"
#: b) "Mixed loading permitted between goods of Class 1 and life-saving appliances of Class 9 (UN Nos. 2990,
#: 3072 and 3268)."
NOTE_B = "b"
LIFE_SAVING = ("2990", "3072", "3268")
#: c) "Mixed loading permitted between safety devices, pyrotechnic, of division 1.4, compatibility group G
#: (UN No. 0503) and safety devices, electrically initiated of Class 9 (UN No. 3268)."
NOTE_C = "c"
#: d) Blasting explosives (except UN 0083 EXPLOSIVE, BLASTING, TYPE C) with ammonium nitrate (UN 1942, 2067),
#: ammonium nitrate emulsion, suspension or gel (UN 3375) and alkali or alkaline-earth metal nitrates, the
#: whole treated as class 1 blasting explosive for placarding, segregation, stowage and maximum load.
NOTE_D = "d"
BLASTING_EXPLOSIVES = ("0081", "0082", "0084", "0241", "0331", "0332")
NITRATES = ("1942", "2067", "3375",
            "1451", "2722", "1486", "1477", "1498",              # alkali metal nitrates (note d)
            "1446", "2464", "1454", "1474", "1507")              # alkaline-earth metal nitrates (note d)


def _table_7521() -> dict[frozenset[str], str]:
    """ADR 7.5.2.1's table as label pairs → "X" (permitted), "7.5.2.2", or the notes that permit it."""
    cells: dict[frozenset[str], str] = {}
    for a, b in product(EXPLOSIVE, EXPLOSIVE):
        cells[frozenset((a, b))] = "7.5.2.2"
    for a, b in product(_ORDINARY, _ORDINARY):
        cells[frozenset((a, b))] = "X"
    for other in _ORDINARY[:-1]:
        cells[frozenset(("1.4", other))] = NOTE_A
    cells[frozenset(("1.4", "9"))] = NOTE_A + NOTE_B + NOTE_C
    for division in ("1", "1.5", "1.6"):
        cells[frozenset((division, "9"))] = NOTE_B
    for division in ("1", "1.5"):
        cells[frozenset((division, "5.1"))] = NOTE_D
    cells[frozenset(("4.1+1",))] = "X"   # only with each other
    cells[frozenset(("5.2+1",))] = "X"
    return cells


TABLE_7521 = _table_7521()
#: What each note of 7.5.2.1 permits, said in a refusal.
NOTE_TEXT = {
    NOTE_A: "note a: division 1.4 only of compatibility group S (1.4S)",
    NOTE_B: "note b: class 1 with class 9 only for life-saving appliances (UN 2990, 3072, 3268)",
    NOTE_C: "note c: UN 0503 with UN 3268 only",
    NOTE_D: "note d: blasting explosives (not UN 0083) only with ammonium nitrate or metal nitrates",
}


def _table_7522() -> dict[frozenset[str], str]:
    """ADR 7.5.2.2's table of compatibility groups: pairs → "X" or the note that governs the pair."""
    cells = {frozenset(group): "X" for group in "ABCDEFGHJN"}
    cells[frozenset("N")] = "b"           # different kinds of 1.6N articles (note b)
    cells[frozenset("L")] = "d"           # group L only with the same type (note d)
    for pair in ("CD", "CE", "DE", "CG", "DG", "EG"):
        cells[frozenset(pair)] = "X"
    cells[frozenset("BD")] = "a"          # effectively separated, approved by the competent authority
    for group in "CDE":
        cells[frozenset((group, "N"))] = "bc"
    for group in "BCDEFGHJNS":
        cells[frozenset((group, "S"))] = "X"
    return cells


TABLE_7522 = _table_7522()


@dataclass
class Decision:
    """The answer for a whole load: refused if any pair is; reasons cite the paragraph."""

    allowed: bool = True
    reasons: list[str] = field(default_factory=list)
    #: conditions a permitted pair comes with (a note that treats 1.6N as 1.1, group N as D ...)
    conditions: list[str] = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        self.allowed = False
        if reason not in self.reasons:
            self.reasons.append(reason)

    def note(self, condition: str) -> None:
        if condition not in self.conditions:
            self.conditions.append(condition)


def label_keys(entry: Entry) -> tuple[str, ...]:
    """The columns of ADR 7.5.2.1's table an entry's package falls under."""
    labels = [label for label in entry.labels] or [entry.hazard_class]
    keys = []
    for label in labels:
        if label.startswith("2."):
            label = "2"                      # the table has one column for 2.1, 2.2, 2.3
        elif label.startswith("7"):
            label = "7"                      # 7A, 7B, 7C (and 7E fissile) share a column
        elif label == "9A":
            label = "9"
        keys.append(label)
    for substance in ("4.1", "5.2"):         # self-reactive substances / organic peroxides with label 1
        if substance in keys and "1" in keys:
            keys = [k for k in keys if k not in (substance, "1")] + [f"{substance}+1"]
    return tuple(dict.fromkeys(keys))


def describe(entry: Entry) -> str:
    """``UN 0336 (1.4G)`` / ``UN 1017 (labels 2.3+5.1+8)`` for reasons."""
    if entry.hazard_class == "1":
        return f"UN {entry.un_number} ({entry.classification_code})"
    labels = "+".join(entry.labels) or entry.hazard_class
    return f"UN {entry.un_number} (label{'s' if len(entry.labels) > 1 else ''} {labels})"


def _note_permits(notes: str, a: Entry, b: Entry) -> str | None:
    """Which note of 7.5.2.1 (if any) permits the pair *a*, *b*."""
    for x, y in ((a, b), (b, a)):
        if NOTE_A in notes and x.classification_code == "1.4S":
            return NOTE_A
        if NOTE_B in notes and x.hazard_class == "1" and y.un_number in LIFE_SAVING:
            return NOTE_B
        if NOTE_C in notes and x.un_number == "0503" and y.un_number == "3268":
            return NOTE_C
        if NOTE_D in notes and x.un_number in BLASTING_EXPLOSIVES and y.un_number in NITRATES:
            return NOTE_D
    return None


def _compatibility(a: Entry, b: Entry, decision: Decision) -> None:
    """ADR 7.5.2.2 for two class 1 packages (or packages bearing label 1)."""
    ga, gb = a.compatibility_group, b.compatibility_group
    if ga is None or gb is None:
        return  # a package bearing label 1 outside class 1 is kept apart by 7.5.2.1's columns 4.1+1/5.2+1
    cell = TABLE_7522.get(frozenset((ga, gb)))
    pair = f"{describe(a)} with {describe(b)}"
    if cell is None:
        decision.refuse(Text("{pair}: compatibility groups {ga} and {gb} may not be loaded together (ADR 7.5.2.2)",
                             pair=pair, ga=ga, gb=gb))
    elif cell == "a":
        decision.refuse(Text("{pair}: groups B and D only in separate compartments or containment approved by the "
                             "competent authority (ADR 7.5.2.2 note a; the approval travels with the document, "
                             "5.4.1.2.1 (d))", pair=pair))
    elif cell == "d" and a.un_number != b.un_number:
        decision.refuse(Text("{pair}: compatibility group L only with the same type of substance or article (ADR "
                             "7.5.2.2 note d)", pair=pair))
    elif "b" in cell and ga == gb == "N" and a.un_number != b.un_number:
        decision.note(f"{pair}: different kinds of 1.6N articles count as 1.6N only if testing or analogy shows "
                      "no added risk of sympathetic detonation, otherwise as division 1.1 (ADR 7.5.2.2 note b)")
    elif "c" in cell:
        decision.note(f"{pair}: the group N articles count as compatibility group D (ADR 7.5.2.2 note c)")


def _pair(a: Entry, b: Entry, decision: Decision) -> None:
    for key_a, key_b in product(label_keys(a), label_keys(b)):
        cell = TABLE_7521.get(frozenset((key_a, key_b)))
        if cell == "X":
            continue
        if cell == "7.5.2.2":
            _compatibility(a, b, decision)
            continue
        note = _note_permits(cell, a, b) if cell else None
        if note == NOTE_D:
            decision.note(f"{describe(a)} with {describe(b)}: the whole load counts as class 1 blasting explosive "
                          "for placarding, segregation, stowage and maximum load (ADR 7.5.2.1 note d)")
        if note is None:
            why = "; ".join(NOTE_TEXT[n] for n in cell) if cell else "a blank cell of the table"
            decision.refuse(Text("{first} with {second}: labels {key_a} and {key_b} may not be loaded together (ADR "
                                 "7.5.2.1, {why})", first=describe(a), second=describe(b), key_a=key_a, key_b=key_b,
                                 why=why))


def mixed_loading(entries: Sequence[Entry]) -> Decision:
    """Whether packages of *entries* may be loaded together on one vehicle; every refused pair is a reason."""
    decision = Decision()
    for entry in entries:
        if entry.carriage == PROHIBITED:
            decision.refuse(Text("UN {un_number} {name}: carriage prohibited (ADR Table A column 4)",
                                 un_number=entry.un_number, name=entry.name))
    carried = [e for e in entries if e.carriage not in (PROHIBITED, NOT_SUBJECT)]
    for a, b in combinations(carried, 2):
        if a == b:
            continue  # packages of one entry bear the same labels
        _pair(a, b, decision)
    return decision
