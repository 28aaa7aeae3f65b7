"""The tunnel restriction code of a whole load and the tunnel categories closed to it (ADR 8.6).

ADR 8.6.3.1: an entry's code is in Table A column (15). ADR 8.6.3.2: "When a transport unit contains dangerous
goods to which different tunnel restriction codes have been assigned, the most restrictive of these tunnel
codes shall be assigned to the whole load." ADR 8.6.4 says what each code closes, and for some codes this
depends on the carriage: in tanks (D/E: in bulk or tanks) or otherwise, or on the total net explosive mass per
transport unit (B1000C, C5000D). Categories are nested (B ⊂ C ⊂ D ⊂ E in what they restrict, ADR 1.9.5.2.2),
so the most restrictive code for one carriage is the one that closes the most.

ADR 8.6.3.3: goods carried under 1.1.3 are not subject to tunnel restrictions and do not count for the whole
load's code, except when the transport unit must be marked under 3.4.13 (limited quantities, subject to 3.4.14).
Of the 1.1.3 exemptions the small load of 1.1.3.6 is modelled (:mod:`.small_loads`); limited quantities (3.4)
are not (a waybill line does not say it travels as one), so the 3.4.13 exception cannot arise.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.i18n import Text
from app.services.dangerous_goods.entries import NOT_SUBJECT, PROHIBITED, TUNNEL_CODES, Entry, EntryError
from app.services.dangerous_goods.small_loads import SmallLoad, tunnel_note

#: ADR 1.9.5.2.2: tunnel category A has no restriction; B to E restrict more and more goods.
CATEGORIES = ("A", "B", "C", "D", "E")
_FROM = {"B": ("B", "C", "D", "E"), "C": ("C", "D", "E"), "D": ("D", "E"), "E": ("E",), "": ()}


@dataclass(frozen=True)
class _Code:
    """ADR 8.6.4, one row: the first category closed in tanks, otherwise, and above an explosive mass."""

    tank: str
    other: str
    mass_kg: int | None = None      # B1000C, C5000D: above this net explosive mass ...
    above: str = ""                 # ... from this category on


#: ADR 8.6.4, table of restrictions by the whole load's code. D/E's first part applies to bulk or tanks.
RESTRICTIONS: dict[str, _Code] = {
    "B": _Code("B", "B"),
    "B1000C": _Code("C", "C", 1000, "B"),
    "B/D": _Code("B", "D"),
    "B/E": _Code("B", "E"),
    "C": _Code("C", "C"),
    "C5000D": _Code("D", "D", 5000, "C"),
    "C/D": _Code("C", "D"),
    "C/E": _Code("C", "E"),
    "D": _Code("D", "D"),
    "D/E": _Code("D", "E"),
    "E": _Code("E", "E"),
    "-": _Code("", ""),
}


def closed_categories(code: str, *, tank: bool = False, explosive_mass_kg: Decimal | None = None) -> tuple[str, ...]:
    """Tunnel categories closed to a load of *code* (ADR 8.6.4); an unknown explosive mass counts as above the
    threshold, the stricter reading."""
    rule = RESTRICTIONS[code]
    first = rule.tank if tank else rule.other
    if rule.mass_kg is not None and (explosive_mass_kg is None or explosive_mass_kg > rule.mass_kg):
        first = rule.above
    return _FROM[first]


@dataclass(frozen=True)
class TunnelAnswer:
    code: str | None       # the governing code, None when nothing on board is restricted
    closed: tuple[str, ...]
    notes: tuple[str, ...] = ()
    #: ADR 1.1.3.6 for the load, when its quantities were given
    small_load: SmallLoad | None = None


def load_restriction(entries: Sequence[Entry], *, tank: bool = False, explosive_mass_kg: Decimal | None = None,
                     small_load: SmallLoad | None = None) -> TunnelAnswer:
    """The whole load's code (ADR 8.6.3.2) and the categories it closes (ADR 8.6.4) for this carriage.

    With *small_load* exempt, every good on board travels under 1.1.3.6 and none counts (ADR 8.6.3.3): the
    load's code is ``-``, nothing closed, a note says why. (1.1.3.6 exempts a transport unit's whole load or
    none of it, so there is no partly exempt load to weigh.)"""
    best: tuple[int, int, str] | None = None
    for entry in entries:
        if entry.carriage in (PROHIBITED, NOT_SUBJECT):
            raise EntryError(Text("UN {un_number}: {carriage}, no tunnel restriction code", un_number=entry.un_number,
                                  carriage=entry.carriage))
        if not entry.tunnel_code:
            raise EntryError(Text("UN {un_number} ({ref}) has no tunnel restriction code in this Table A; check ADR "
                                  "2017 column (15)", un_number=entry.un_number, ref=entry.ref))
        closed = closed_categories(entry.tunnel_code, tank=tank, explosive_mass_kg=explosive_mass_kg)
        # ties go to the code listed first in 8.6.4 (B before B1000C ...), the stricter wording
        rank = (len(closed), -TUNNEL_CODES.index(entry.tunnel_code), entry.tunnel_code)
        if best is None or rank > best:
            best = rank
    if small_load is not None and small_load.exempt:
        return TunnelAnswer("-", (), (tunnel_note(small_load),), small_load)
    if best is None or best[2] == "-":
        return TunnelAnswer(None if best is None else "-", (), (), small_load)
    code = best[2]
    notes = ()
    if RESTRICTIONS[code].mass_kg is not None and explosive_mass_kg is None:
        notes = (f"{code}: net explosive mass not given, read as more than {RESTRICTIONS[code].mass_kg} kg "
                 "(ADR 8.6.4)",)
    return TunnelAnswer(code, closed_categories(code, tank=tank, explosive_mass_kg=explosive_mass_kg), notes,
                        small_load)
