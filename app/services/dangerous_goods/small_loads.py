"""ADR 1.1.3.6: the small-load exemption per transport unit, by transport category and the 1,000 points.

ADR 1.1.3.6.1: goods carried *in packages* on one transport unit up to the quantities of 1.1.3.6.3 (one
transport category) or 1.1.3.6.4 (several) are exempt from much of ADR; 1.1.3.6.2 lists what still applies.
ADR 8.6.3.3: goods carried under 1.1.3 do not count towards the whole load's tunnel restriction code.

ADR 1.1.3.6.3 assigns each entry a transport category (Table A column (15), upper part) and caps the quantity
per transport unit: category 0 none, 1: 20, 2: 333, 3: 1,000, 4: unlimited; note a to its table: UN 0081, 0082,
0084, 0241, 0331, 0332, 0482, 1005 and 1017 (category 1) at most 50 kg. ADR 1.1.3.6.4 for a mixed load: category
1 × 50 (the note-a entries × 20), category 2 × 3, category 3 × 1 (category 4 counts nothing), in total ≤ 1,000.
The quantity (1.1.3.6.3, under the table): articles by gross mass in kg (class 1: the net mass of explosive);
solids, liquefied gases, refrigerated liquefied gases and dissolved gases by net mass in kg; liquids in litres;
compressed gases, adsorbed gases and chemicals under pressure by the nominal capacity of the receptacle in litres.

Conservative throughout: no exemption unless every line is in packages, has a known category other than 0, a
known quantity in a unit convertible to the one the paragraph requires (no density is ever guessed), and the
points add up to at most 1,000. What cannot be told is a reason, never an exemption.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.errors import ValidationFailed
from app.i18n import Text
from app.services.dangerous_goods.entries import NOT_SUBJECT, PROHIBITED, Entry, EntryError
from models.types import QUANTITY_LIMIT

#: ADR 1.1.3.6.4: points per unit of quantity by transport category (category 0 is never exempt, 1.1.3.6.3).
MULTIPLIERS = {"1": Decimal(50), "2": Decimal(3), "3": Decimal(1), "4": Decimal(0)}
#: ADR 1.1.3.6.3 note a (category 1, at most 50 kg per transport unit) and 1.1.3.6.4's multiplier 20 for them.
NOTE_A_ENTRIES = ("0081", "0082", "0084", "0241", "0331", "0332", "0482", "1005", "1017")
NOTE_A_MULTIPLIER = Decimal(20)
#: ADR 1.1.3.6.4: the most a transport unit's load may count.
POINTS_LIMIT = Decimal(1000)
#: ADR 1.1.3.6.3, column (3): the most a transport unit may carry of one transport category when all its goods are
#: of that category; goods of different categories are weighed by 1.1.3.6.4 (1.1.3.6.2, German text: "die in der
#: Tabelle in Absatz 1.1.3.6.3 Spalte 3 für eine bestimmte Beförderungskategorie angegebenen Werte (sofern ... unter
#: dieselbe Kategorie fallen) oder die nach Absatz 1.1.3.6.4 berechneten Werte (sofern ... unter verschiedene
#: Kategorien fallen)"). Category 2's 333 is below the 333⅓ that 1.1.3.6.4's points allow.
CATEGORY_MAXIMA = {"1": Decimal(20), "2": Decimal(333), "3": Decimal(1000)}
KG, LITRES = "kg", "L"
#: ADR 2.2.2.1.2: the figure a class 2 classification code starts with, and what 1.1.3.6.3 measures it by.
_GAS_MEASURE = {
    "1": LITRES,    # compressed gas: nominal capacity of the receptacle
    "2": KG,        # liquefied gas: net mass
    "3": KG,        # refrigerated liquefied gas: net mass
    "4": KG,        # dissolved gas: net mass
    "5": KG,        # aerosols, small receptacles (articles): gross mass
    "6": KG,        # other articles containing gas under pressure: gross mass
    "8": LITRES,    # chemical under pressure: nominal capacity of the receptacle
    "9": LITRES,    # adsorbed gas: nominal capacity of the receptacle
}
#: ADR 2.2.43.1.2: class 4.3's classification codes say liquid (W1, WF1, WT1, WC1) or solid (W2, WF2, WS, WO,
#: WT2, WC2). Read before the tank code, which cannot tell: its L is for "liquid substances or solid substances
#: handed over for carriage in the molten state" (ADR 4.3.4.1.1), e.g. sodium (UN 1428, W2, L10BN(+)), a solid.
_STATE_BY_CODE = {("4.3", code): LITRES for code in ("W1", "WF1", "WT1", "WC1")} | {
    ("4.3", code): KG for code in ("W2", "WF2", "WS", "WO", "WT2", "WC2")}
_QUANTITY = re.compile(r"^\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>[^\W\d][\w ./*^-]*?)\s*$")


class QuantityError(EntryError):
    """A quantity that is not one, or in a unit that is none (the rules' bad input, as a reference is)."""


@dataclass(frozen=True)
class LoadLine:
    """One line of a transport unit's load as 1.1.3.6 reads it."""

    entry: Entry
    quantity: Decimal | None = None
    unit: str | None = None
    #: carried in packages (1.1.3.6.1), not in a tank or in bulk; None when not known
    packages: bool | None = True
    label: str = ""


@dataclass(frozen=True)
class LinePoints:
    ref: str
    transport_category: str | None
    measure: str | None            # "kg" or "L", the unit 1.1.3.6.3 counts this entry in
    quantity: Decimal | None       # in *measure*
    points: Decimal | None
    problem: str | None = None     # why this line keeps the load from the exemption


@dataclass(frozen=True)
class SmallLoad:
    """ADR 1.1.3.6 for a whole transport unit: exempt only when every line could be counted and the total fits."""

    exempt: bool
    points: Decimal | None         # the 1.1.3.6.4 total; None when a line cannot be counted
    lines: tuple[LinePoints, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)


def measure(entry: Entry) -> str | None:
    """The unit ADR 1.1.3.6.3 counts *entry* in (``kg`` or ``L``); None when Table A cannot tell.

    Class 1: mass (net explosive mass of articles, net mass of substances). Class 2: by its classification code
    (ADR 2.2.2.1.2). Class 3 (liquids, ADR 2.2.3.1.1) but its articles (F3): litres. Class 4.3: by its
    classification code (ADR 2.2.43.1.2). Other classes: by the tank codes of Table A column (12), which start
    with L for liquids (or solids handed over molten) and S for solids (ADR 4.3.4.1.1), when all agree and the
    name does not say otherwise; entries with both (``SGAH L4BH``), none (articles) or a code beside a contrary
    name are not told."""
    if entry.hazard_class == "1":
        return KG
    if entry.hazard_class == "2":
        return _GAS_MEASURE.get(entry.classification_code[:1])
    if entry.hazard_class == "3" and entry.classification_code and entry.classification_code != "F3":
        return LITRES  # ADR 2.2.3.1.1: class 3 is liquids; F3 are articles
    if (entry.hazard_class, entry.classification_code) in _STATE_BY_CODE:
        return _STATE_BY_CODE[entry.hazard_class, entry.classification_code]
    kinds = {code[:1] for code in entry.tank_code.split()}
    name = entry.name.upper()
    if kinds == {"L"} and "SOLID" not in name:
        return LITRES
    if kinds == {"S"} and "LIQUID" not in name:
        return KG
    return None


def parse_quantity(text: str) -> tuple[Decimal, str]:
    """``300 L``, ``300L``, ``50 kg``, ``2 t`` as (value, unit); :class:`QuantityError` unless it is a mass or a
    volume pint knows."""
    from app.services.ledger.units import in_unit  # pint, loaded when a quantity is read

    match = _QUANTITY.match(text)
    if not match:
        raise QuantityError(Text("{text!r} is not a quantity with its unit (e.g. 300 L, 50 kg)", text=text))
    value = Decimal(match["value"])
    if value >= QUANTITY_LIMIT:
        raise QuantityError(Text("{text!r}: a quantity must be less than {limit:,}", text=text, limit=QUANTITY_LIMIT))
    try:
        if in_unit(value, match["unit"], KG) is None and in_unit(value, match["unit"], LITRES) is None:
            raise QuantityError(Text("{text!r} is neither a mass nor a volume", text=text))
    except ValidationFailed as error:
        raise QuantityError(error.detail) from None
    return value, match["unit"]


def _counted(line: LoadLine) -> LinePoints:
    from app.services.ledger.units import in_unit  # pint, loaded when a quantity is counted

    entry, ref = line.entry, line.label or f"UN {line.entry.un_number}"
    category = entry.transport_category if entry.transport_category in ("0", "1", "2", "3", "4") else None
    unit = measure(entry)

    def fails(problem: Text) -> LinePoints:
        return LinePoints(ref, category, unit, None, None, problem)

    if entry.carriage in (PROHIBITED, NOT_SUBJECT):
        return fails(Text("{ref}: {carriage}", ref=ref, carriage=entry.carriage))
    if line.packages is not True:
        return fails(Text("{ref}: not carried in packages (ADR 1.1.3.6.1: the exemption is for packages only, "
                          "never tanks or bulk)", ref=ref) if line.packages is False else
                     Text("{ref}: not known to be carried in packages (ADR 1.1.3.6.1)", ref=ref))
    if category is None:
        return fails(Text("{ref}: transport category not known (Table A column (15); ADR 1.1.3.6.3)", ref=ref))
    if category == "0":
        return fails(Text("{ref}: transport category 0, never exempt (ADR 1.1.3.6.3)", ref=ref))
    if unit is None:
        return fails(Text("{ref}: cannot tell whether ADR 1.1.3.6.3 counts it in kg or litres (article, or "
                          "Table A does not say solid or liquid)", ref=ref))
    if line.quantity is None or not line.unit:
        return fails(Text("{ref}: quantity not given (ADR 1.1.3.6.3)", ref=ref))
    try:
        quantity = in_unit(line.quantity, line.unit, unit)
    except ValidationFailed as error:
        raise QuantityError(error.detail) from None
    if quantity is None:
        return fails(Text("{ref}: {quantity} {given} cannot be counted in {unit} without a density (ADR "
                          "1.1.3.6.3)", ref=ref, quantity=line.quantity, given=line.unit, unit=unit))
    multiplier = NOTE_A_MULTIPLIER if category == "1" and entry.un_number in NOTE_A_ENTRIES else \
        MULTIPLIERS[category]
    return LinePoints(ref, category, unit, quantity, quantity * multiplier)


def small_load(lines: Sequence[LoadLine]) -> SmallLoad:
    """ADR 1.1.3.6.3/1.1.3.6.4 for the lines of one transport unit: the points per line and in total, and
    whether the load is exempt (every line counted, the total ≤ 1,000, the note-a entries ≤ 50 kg)."""
    counted = tuple(_counted(line) for line in lines)
    reasons = [line.problem for line in counted if line.problem]
    if not counted:
        reasons.append(Text("no dangerous goods on board"))
    total = None if reasons else sum((line.points for line in counted), Decimal(0))
    if total is not None and total > POINTS_LIMIT:
        reasons.append(Text("{points} points exceed the {limit} of ADR 1.1.3.6.4", points=_plain(total),
                            limit=_plain(POINTS_LIMIT)))
    elif total is not None:
        reasons.extend(_over_category_maximum(counted, lines))
    note_a = sum((line.quantity for line, given in zip(counted, lines)
                  if line.quantity is not None and given.entry.un_number in NOTE_A_ENTRIES), Decimal(0))
    if note_a > 50:
        reasons.append(Text("{quantity} kg of UN 0081/0082/0084/0241/0331/0332/0482/1005/1017 exceed their 50 kg "
                            "(ADR 1.1.3.6.3 note a)", quantity=_plain(note_a)))
    return SmallLoad(not reasons, total, counted, tuple(reasons))


def _over_category_maximum(counted: Sequence[LinePoints], lines: Sequence[LoadLine]) -> list[Text]:
    """ADR 1.1.3.6.3 for a load all of one transport category: its quantity (the note-a entries aside, which
    have their own 50 kg) within column (3)'s maximum. A load of several categories is weighed by 1.1.3.6.4 only."""
    categories = {line.transport_category for line in counted}
    if len(categories) != 1:
        return []
    category = categories.pop()
    limit = CATEGORY_MAXIMA.get(category or "")
    total = sum((line.quantity for line, given in zip(counted, lines)  # type: ignore[misc]
                 if given.entry.un_number not in NOTE_A_ENTRIES), Decimal(0))
    if limit is None or total <= limit:
        return []
    return [Text("{quantity} of transport category {category} exceed its {limit} per transport unit (ADR 1.1.3.6.3)",
                 quantity=_plain(total), category=category, limit=_plain(limit))]


def _plain(value: Decimal) -> str:
    """``900``, ``12.5``: a Decimal without exponent or trailing zeros."""
    return format(value.normalize(), "f")


def tunnel_note(load: SmallLoad) -> str:
    """What the answer says when 8.6.3.3 leaves the whole load without a tunnel restriction."""
    return Text("carried under ADR 1.1.3.6 ({points} points, at most {limit}): not subject to tunnel restrictions "
                "and not counted for the load's tunnel code (ADR 8.6.3.3)", points=_plain(load.points or Decimal(0)),
                limit=_plain(POINTS_LIMIT))


def small_load_json(load: SmallLoad) -> dict[str, Any]:
    """The answer's ``small_load`` as the console prints it in JSON (the API's schema says the same)."""
    def number(value: Decimal | None) -> float | int | None:
        return None if value is None else int(value) if value == value.to_integral_value() else float(value)

    return {"exempt": load.exempt, "points": number(load.points), "reasons": list(load.reasons),
            "lines": [{"ref": line.ref, "transport_category": line.transport_category, "measure": line.measure,
                       "quantity": number(line.quantity), "points": number(line.points), "problem": line.problem}
                      for line in load.lines]}
