"""The three questions the console and the API ask of Table A, by entry reference (``UN[/PG[/VARIANT]]``).

Each resolves a reference by the facts its rule reads, so ``1993/II`` is enough for a tunnel code (both PG II
rows say D/E) while a bare ``1993`` is not for a document line.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from app.services.dangerous_goods.document_line import document_line, needs_technical_name, proper_shipping_names
from app.i18n import Text
from app.services.dangerous_goods.entries import Entry, TableA
from app.services.dangerous_goods.mixed_loading import Decision, mixed_loading
from app.services.dangerous_goods.small_loads import (
    KG, LoadLine, QuantityError, measure, parse_quantity, small_load,
)
from app.services.dangerous_goods.tunnels import TunnelAnswer, load_restriction


def line_facts(entry: Entry) -> tuple[object, ...]:
    """What a document line, a mixed-loading decision and a tunnel code read of an entry."""
    return (tuple(proper_shipping_names(entry.name)), entry.hazard_class, entry.classification_code, entry.labels,
            entry.packing_group, entry.tunnel_code, needs_technical_name(entry), entry.carriage)


def _mix_facts(entry: Entry) -> tuple[object, ...]:
    return entry.hazard_class, entry.classification_code, entry.labels, entry.carriage


def line_of(table: TableA, ref: str, *, name: str | None = None, technical_name: str | None = None) -> str:
    """ADR 5.4.1.1.1's line for the entry *ref* names."""
    return document_line(table.resolve(ref, line_facts), name=name, technical_name=technical_name)


def mix_of(table: TableA, refs: Sequence[str]) -> Decision:
    """ADR 7.5.2's answer for packages of every entry *refs* name."""
    return mixed_loading([table.resolve(ref, _mix_facts) for ref in refs])


def _small_load_facts(entry: Entry) -> tuple[object, ...]:
    return entry.tunnel_code, entry.transport_category, measure(entry), entry.carriage


def tunnel_of(table: TableA, refs: Sequence[str], *, tank: bool = False, explosive_mass_kg: Decimal | None = None,
              quantities: Sequence[str] | None = None) -> TunnelAnswer:
    """ADR 8.6.3.2's code for the whole load and the categories ADR 8.6.4 closes to it.

    With *quantities* (one per reference, ``300 L``, ``50 kg``), also ADR 1.1.3.6 for the load carried in
    packages (``tank``: never exempt), and the load's code without the exempt goods (ADR 8.6.3.3); and, unless
    *explosive_mass_kg* is given, the net explosive mass B1000C and C5000D read (ADR 8.6.4) from the class 1
    quantities (:func:`explosive_mass`)."""
    if not quantities:
        return load_restriction([table.resolve(ref, lambda e: e.tunnel_code) for ref in refs], tank=tank,
                                explosive_mass_kg=explosive_mass_kg)
    if len(quantities) != len(refs):
        raise QuantityError(Text("{given} quantities for {entries} entries: give one per entry, in their order",
                                 given=len(quantities), entries=len(refs)))
    entries = [table.resolve(ref, _small_load_facts) for ref in refs]
    lines = [LoadLine(entry, *parse_quantity(text), packages=not tank, label=ref)
             for entry, ref, text in zip(entries, refs, quantities)]
    mass = explosive_mass_kg if explosive_mass_kg is not None else explosive_mass(lines)
    return load_restriction(entries, tank=tank, explosive_mass_kg=mass, small_load=small_load(lines))


def explosive_mass(lines: Sequence[LoadLine]) -> Decimal | None:
    """The transport unit's net explosive mass in kg from its class 1 lines, or None (unknown) when there are none
    or one is not given as a mass. ADR 1.1.3.6.3 counts class 1 by that mass (net mass of the explosive substance
    for articles, net mass for substances), so the quantity given for a class 1 line is it; a gross mass given
    instead only overstates it, the stricter way."""
    from app.services.ledger.units import in_unit  # pint, loaded when a quantity is read

    masses = [in_unit(line.quantity, line.unit, KG) if line.quantity is not None and line.unit else None
              for line in lines if line.entry.hazard_class == "1"]
    if not masses or None in masses:
        return None
    return sum(masses, Decimal(0))  # type: ignore[arg-type]
