"""The ERG 2016 zones of an incident, for every dangerous good on board, from :mod:`routing.emergency`.

A waybill's lines give the cargo (UN number, proper shipping name, class and the Table A classification code
that tells a gas's placard) and the tank's capacity; an incident without a waybill names its UN number (or only a
placard's class, or nothing: an unidentified load). What is happening maps to the ERG's columns:

- ``leak_small`` / ``leak_large``: Table 1's small or large spill;
- ``fire``: a large spill on fire (the fire isolation, the BLEVE distance where it applies, and Table 1 downwind);
- ``tank_exposed_to_fire``: the fire and BLEVE distances of a tank not (yet) leaking, with the small-spill columns.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from flask import current_app
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.i18n import Text
from models import TransportEntry, Waybill
from models.incidents import Incident, SpillKind
from routing import RoutingInputError
from routing.emergency import ERG_EDITION, ErgTable, Scenario, ZoneResult, compute_zones, load_erg

#: The columns each kind of event reads: (large spill, fire).
_SPILL = {
    SpillKind.LEAK_SMALL: (False, False),
    SpillKind.LEAK_LARGE: (True, False),
    SpillKind.FIRE: (True, True),
    SpillKind.TANK_EXPOSED_TO_FIRE: (False, True),
}


@functools.lru_cache(maxsize=2)
def _erg(path: str) -> ErgTable:
    return load_erg(path)


def erg_table() -> ErgTable:
    """The configured ERG lookup (``DATA_DIR``/``ERG_FILE``), read once per process."""
    path = Path(current_app.config["DATA_DIR"]) / current_app.config["ERG_FILE"]
    if not path.is_file():
        raise ValidationFailed(Text("The ERG table is not installed ({path}): no zones can be computed.", path=path),
                               code="erg_missing")
    return _erg(str(path))


@dataclass(frozen=True)
class Good:
    """One dangerous good on board, as the ERG lookup needs it."""

    un_number: str | None
    material: str | None
    hazard_class: str | None
    classification_code: str = ""


def goods_of(session: Session, waybill: Waybill) -> list[Good]:
    """The distinct goods on the waybill's current version (its lines' snapshots and Table A entries)."""
    lines = waybill.current.lines
    entries = {e.id: e for e in session.scalars(select(TransportEntry).where(
        TransportEntry.id.in_({line.entry_id for line in lines if line.entry_id})))}
    goods: dict[str | None, Good] = {}
    for line in lines:
        entry = entries.get(line.entry_id) if line.entry_id else None
        goods.setdefault(line.un_number, Good(line.un_number, line.proper_shipping_name, line.hazard_class,
                                              entry.classification_code if entry else ""))
    return list(goods.values())


def tank_capacity_l(waybill: Waybill) -> float | None:
    """The waybill's tank capacity in litres (the BLEVE table's unit), when it names one."""
    capacity = waybill.current.tank_capacity_m3
    return float(capacity) * 1000 if capacity is not None else None


def named_good(session: Session, un_number: str | None, hazard_class: str | None) -> Good:
    """A good named by an incident report without a waybill: its Table A facts when the catalogue has them."""
    entry = session.scalars(select(TransportEntry).where(TransportEntry.un_number == un_number)
                            .order_by(TransportEntry.ref).limit(1)).first() if un_number else None
    if entry is None:
        return Good(un_number, None, hazard_class)
    return Good(un_number, entry.name, hazard_class or entry.hazard_class, entry.classification_code)


def compute(incident: Incident, goods: list[Good]) -> dict[str, Any]:
    """The incident's zones for every good on board: a GeoJSON FeatureCollection, each zone naming its good and
    ERG table, with each good's summary (``cargo``) and the union of the zones (``area``)."""
    large, fire = _SPILL[incident.spill]
    table = erg_table()
    results: list[tuple[Good, ZoneResult]] = []
    for good in goods or [Good(None, None, None)]:
        scenario = Scenario(un_number=good.un_number, material_name=good.material, hazard_class=good.hazard_class,
                            classification_code=good.classification_code, large=large, night=incident.night,
                            fire=fire, wind_from_deg=incident.wind_from_deg, wind_speed_ms=incident.wind_speed_ms,
                            capacity_l=incident.capacity_l)
        try:
            results.append((good, compute_zones(table, scenario, incident.lon, incident.lat)))
        except RoutingInputError as error:
            raise ValidationFailed("The ERG zones cannot be computed.", errors={"cargo": [str(error)]}) from None
    features = [{**feature, "properties": {**feature["properties"], "un_number": good.un_number}}
                for good, result in results for feature in result.to_geojson()["features"]
                if feature["properties"]["kind"] != "spill"]
    area = shapely.union_all([r.area for _, r in results])
    return {"type": "FeatureCollection", "erg_edition": ERG_EDITION, "features": features,
            "cargo": [{**r.summary(), "un_number": g.un_number} for g, r in results],
            "area": mapping(area)}


def area_of(zones: dict[str, Any]) -> BaseGeometry:
    """The union of an incident's zones (WGS-84), as stored."""
    return shape(zones["area"])


def zones_of_kind(zones: dict[str, Any], *kinds: str) -> BaseGeometry:
    """The union of the incident's zones of the given kinds (empty geometry when there is none)."""
    return shapely.union_all([shape(f["geometry"]) for f in zones["features"]
                              if f["properties"]["kind"] in kinds])
