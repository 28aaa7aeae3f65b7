"""Cargo: UN numbers on board → hazard classes and the ADR tunnel restriction code that governs the load.

The UN list is plain data (a CSV path or a mapping), so routing never needs the application's database.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from routing._errors import RoutingInputError

TUNNEL_CATEGORIES = ("A", "B", "C", "D", "E")

# ADR 8.6.4, table of tunnel restriction codes: categories closed to a tank/bulk load and to other
# loads. Codes with a quantity threshold (B1000C, C5000D) take their stricter part because the
# engine does not know the net explosive mass.
_CLOSED_BY_CODE: dict[str, tuple[str, str]] = {
    "B": ("BCDE", "BCDE"),
    "B1000C": ("BCDE", "BCDE"),
    "B/D": ("BCDE", "DE"),
    "B/E": ("BCDE", "E"),
    "C": ("CDE", "CDE"),
    "C5000D": ("CDE", "CDE"),
    "C/D": ("CDE", "DE"),
    "C/E": ("CDE", "E"),
    "D": ("DE", "DE"),
    "D/E": ("DE", "E"),
    "E": ("E", "E"),
    "-": ("", ""),
}

# Classes whose goods are treated as water-polluting for `hazmat:water=no` (German sign 269 and the
# OSM wiki: "vehicles carrying water-polluting goods"). Classes 1, 2 and 7 are not.
_WATER_POLLUTING_CLASSES = ("3", "4", "5", "6.1", "8", "9")

_UN_RE = re.compile(r"^(?:UN)?\s*(\d{1,4})$", re.IGNORECASE)
_CODE_RE = re.compile(r"\(([^)]*)\)")


@dataclass(frozen=True)
class CatalogueEntry:
    """One UN number of the dangerous-goods list."""

    un_number: str
    description: str
    hazard_class: str
    tunnel_code: str | None
    #: ADR classification code (e.g. ``2TOC``, ``1.1D``): tells the placard of a class 1 or 2 good.
    classification_code: str = ""


@dataclass(frozen=True)
class Cargo:
    """What a vehicle carries, reduced to what routing restrictions need.

    Attributes
    ----------
    un_numbers : tuple of str
        Four-digit UN numbers on board.
    hazard_classes : frozenset of str
        ADR classes of those goods (e.g. ``{"3", "6.1"}``).
    tunnel_code : str or None
        The most restrictive ADR tunnel restriction code on board (``None`` when no good has one).
    closed_tunnel_categories : frozenset of str
        Tunnel categories (A–E) this load may not pass.
    water_polluting : bool
        Whether ``hazmat:water=no`` roads are closed to the load.
    """

    un_numbers: tuple[str, ...] = ()
    hazard_classes: frozenset[str] = frozenset()
    tunnel_code: str | None = None
    closed_tunnel_categories: frozenset[str] = frozenset()
    water_polluting: bool = False

    @property
    def dangerous(self) -> bool:
        """Whether anything dangerous is on board (closes ``hazmat=no`` roads)."""
        return bool(self.un_numbers)


def normalise_un(text: str) -> str:
    """Return ``"UN1203"``, ``"un 1203"`` or ``"1203"`` as the four-digit string ``"1203"``."""
    match = _UN_RE.match(str(text).strip())
    if not match:
        raise RoutingInputError(f"not a UN number: {text!r}")
    return match.group(1).zfill(4)


def parse_tunnel_code(cell: str | None) -> str | None:
    """Extract the tunnel restriction code from a catalogue cell such as ``"2 (D/E)"``."""
    if not cell:
        return None
    match = _CODE_RE.search(cell)
    code = (match.group(1) if match else cell).strip()
    return code if code in _CLOSED_BY_CODE else None


def load_catalogue(path: str | Path) -> dict[str, CatalogueEntry]:
    """Read the UN list CSV (``un_number,description,class,classification_code,tunnel``).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file such as ``../shared/data/dangerous_goods/un_numbers_adr.csv``.

    Returns
    -------
    dict
        UN number (four digits) → :class:`CatalogueEntry`.
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise RoutingInputError(f"cannot read catalogue {path}: {exc.strerror}") from None
    needed = {"un_number", "class", "tunnel"}
    if not rows or not needed <= set(rows[0]):
        raise RoutingInputError(f"catalogue {path} needs the columns {', '.join(sorted(needed))}")
    return {
        normalise_un(row["un_number"]): CatalogueEntry(
            un_number=normalise_un(row["un_number"]),
            description=row.get("description") or "",
            hazard_class=(row["class"] or "").strip(),
            tunnel_code=parse_tunnel_code(row["tunnel"]),
            classification_code=(row.get("classification_code") or "").strip(),
        )
        for row in rows
        if row.get("un_number")
    }


def cargo_from_un(
    un_numbers: Iterable[str], catalogue: Mapping[str, CatalogueEntry], *, tank: bool = True
) -> Cargo:
    """Derive the restrictions a load implies from the UN numbers on board.

    Parameters
    ----------
    un_numbers : iterable of str
        UN numbers, with or without the ``UN`` prefix.
    catalogue : mapping
        As returned by :func:`load_catalogue`.
    tank : bool
        Whether the goods travel in a tank or in bulk; for split codes such as ``D/E`` the first part
        applies to tanks and bulk, the second to packages. Defaults to the stricter reading.

    Returns
    -------
    Cargo
    """
    numbers = tuple(dict.fromkeys(normalise_un(n) for n in un_numbers))
    unknown = [n for n in numbers if n not in catalogue]
    if unknown:
        raise RoutingInputError(f"UN number(s) not in the catalogue: {', '.join('UN' + n for n in unknown)}")
    entries = [catalogue[n] for n in numbers]
    closed: set[str] = set()
    governing: str | None = None
    for entry in entries:
        if entry.tunnel_code is None:
            continue
        categories = set(_CLOSED_BY_CODE[entry.tunnel_code][0 if tank else 1])
        # The most restrictive code is the one closing the most categories (ADR 1.9.5.3.8: for
        # mixed loads the most restrictive code applies to the whole load).
        if governing is None or len(categories) > len(closed):
            governing = entry.tunnel_code
        closed |= categories
    classes = frozenset(e.hazard_class for e in entries if e.hazard_class)
    return Cargo(
        un_numbers=numbers,
        hazard_classes=classes,
        tunnel_code=governing,
        closed_tunnel_categories=frozenset(closed),
        water_polluting=any(c.startswith(_WATER_POLLUTING_CLASSES) for c in classes),
    )
