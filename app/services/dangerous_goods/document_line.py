"""The transport-document line of an entry (ADR 5.4.1.1.1 (a), (b), (c), (d), (k), in that order).

``UN 1017 CHLORINE, 2.3 (5.1, 8), (C/D)``; ``UN 1230 METHANOL, 3 (6.1), II, (D/E)``;
``UN 0336 FIREWORKS, 1.4G, (E)``; ``UN 1993 FLAMMABLE LIQUID, N.O.S. (ethanol), 3, I, (D/E)``.
"""
from __future__ import annotations

import re

from app.i18n import Text
from app.services.dangerous_goods.entries import NOT_SUBJECT, PROHIBITED, Entry, EntryError

#: ADR 3.1.2.1: besides upper-case letters, these belong to a proper shipping name ("tert-BUTYL ...").
_INTEGRAL_PREFIXES = re.compile(r"(?:^|(?<=[-(]))(?:sec|tert|cis|trans|alpha|beta|gamma|delta|omega|[mnop])-")
#: ADR 3.1.2.8.1: entries with special provision 274 or 318 carry the technical name in brackets.
TECHNICAL_NAME_PROVISIONS = ("274", "318")
#: ADR 5.4.1.1.1 (c), second indent: label models of class 1 that the classification code already says.
_EXPLOSIVE_LABELS = ("1", "1.4", "1.5", "1.6")
#: ADR 5.4.1.1.1 (c), third indent: lithium batteries show the class number "9".
_LITHIUM_BATTERIES = ("3090", "3091", "3480", "3481")


def _upper(token: str) -> bool:
    word = _INTEGRAL_PREFIXES.sub("", token)
    return any(c.isalpha() for c in word) and not any(c.islower() for c in word) or word.isdigit()


def proper_shipping_names(name: str) -> list[str]:
    """The proper shipping names an entry's column (2) offers, in Table A's order.

    ADR 3.1.2.1: the proper shipping name is the part of the entry shown in upper case (lower-case text is
    description, e.g. ``AMMONIUM PICRATE dry or wetted ...``); names joined by a lower-case ``or`` are
    alternatives of which the document shows the most appropriate one (``MOTOR SPIRIT or GASOLINE or PETROL``).
    """
    alternatives: list[list[str]] = [[]]
    tokens = name.split()
    for i, token in enumerate(tokens):
        if _upper(token):
            alternatives[-1].append(token)
        elif token == "or" and alternatives[-1] and i + 1 < len(tokens) and _upper(tokens[i + 1]):
            alternatives.append([])
        else:
            break
    names = [" ".join(words).rstrip(" ,") for words in alternatives if words]
    return names or [name]


def needs_technical_name(entry: Entry) -> bool:
    """ADR 3.1.2.8.1: generic and n.o.s. entries with special provision 274 or 318."""
    return any(sp in entry.special_provisions for sp in TECHNICAL_NAME_PROVISIONS)


def hazard_numbers(entry: Entry) -> str:
    """ADR 5.4.1.1.1 (c): ``2.3 (5.1, 8)``, ``1.4G``, ``1.2G (6.1)``, ``7``, ``9``."""
    if entry.hazard_class == "1":
        # Class 1: the classification code (column 3b), then label models other than 1, 1.4, 1.5, 1.6.
        first, rest = entry.classification_code, [x for x in entry.labels if x not in _EXPLOSIVE_LABELS]
    elif entry.hazard_class == "7":
        return "7"
    elif entry.un_number in _LITHIUM_BATTERIES:
        return "9"
    elif entry.labels:
        first, rest = entry.labels[0], list(entry.labels[1:])
    else:  # no label model in column (5): the class of column (3a)
        first, rest = entry.hazard_class, []
    return f"{first} ({', '.join(rest)})" if rest else first


def choose_name(entry: Entry, name: str | None = None) -> str:
    """The proper shipping name on the document: *name* if it is one of the entry's alternatives (any case),
    else the first (ADR 3.1.2.1)."""
    names = proper_shipping_names(entry.name)
    if name is None:
        return names[0]
    for candidate in names:
        if candidate.upper() == " ".join(name.split()).upper():
            return candidate
    raise EntryError(Text("{name!r} is not a name of UN {un_number}; its names: {names}", name=name,
                          un_number=entry.un_number, names=' | '.join(names)))


def document_line(entry: Entry, *, name: str | None = None, technical_name: str | None = None,
                  tunnel: bool = True, waste: bool = False) -> str:
    """The line of ADR 5.4.1.1.1 for *entry*: (a) UN number, (b) proper shipping name with the technical name,
    (c) label models / classification code, (d) packing group, (k) tunnel restriction code in brackets.

    ADR 5.4.1.1.1 requires (a), (b), (c), (d) and (k) in this order with nothing interspersed. The tunnel code is
    left out for ``-`` (no restriction) or when *tunnel* is false (a trip known to pass no restricted tunnel).
    ADR 5.4.1.1.3: waste is announced by ``WASTE`` before the UN number, unless the name already says it.
    """
    if entry.carriage == PROHIBITED:
        raise EntryError(Text("UN {un_number} {name}: carriage prohibited by ADR (Table A column 4)",
                              un_number=entry.un_number, name=entry.name))
    if entry.carriage == NOT_SUBJECT:
        raise EntryError(Text("UN {un_number} {name}: not subject to ADR, no transport document line",
                              un_number=entry.un_number, name=entry.name))
    shipping_name = choose_name(entry, name)
    if needs_technical_name(entry):
        if not technical_name or not technical_name.strip():
            raise EntryError(Text("UN {un_number} {shipping_name} needs the technical name in brackets (ADR 3.1.2.8.1, "
                                  "special provision 274/318)", un_number=entry.un_number, shipping_name=shipping_name))
        shipping_name += f" ({' '.join(technical_name.split())})"
    prefix = "WASTE, " if waste and not shipping_name.upper().startswith("WASTE") else ""
    parts = [f"{prefix}UN {entry.un_number} {shipping_name}", hazard_numbers(entry)]
    if entry.packing_group:
        parts.append(entry.packing_group)
    if tunnel and entry.tunnel_code and entry.tunnel_code != "-":
        parts.append(f"({entry.tunnel_code})")
    return ", ".join(parts)
