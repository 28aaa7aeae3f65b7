"""The vehicles dangerous goods may travel in, beyond each vehicle's own record (its classes, tank media, load).

No road train: 道路危险货物运输管理规定 (交通运输部令2013年第2号) Chapter 3 (专用车辆、设备管理) forbids carrying
dangerous goods in a 货车列车 (a truck towing a trailer), except in an articulated vehicle (铰接列车: a tractor and
its semi-trailer) or a special heavy-cargo vehicle (not a vehicle kind here): a trailer is coupled to a tractor only.

The vehicles highly toxic, explosive and explosive-precursor goods may travel in: the same 规定 (amended 2016,
2019, 2023) Art. 8 (一) sets what a carrier's vehicles must be to carry these goods (app/data/README.md, "E-waybill
audit", says how far the wording was verified); a waybill putting such goods on a vehicle that is not one is
refused:

* 剧毒化学品, 爆炸品 and 易制爆危险化学品 travel in a tank or van body (罐式、厢式专用车辆) or a pressure vessel: a
  flatbed (栏板/平板) carries none of them;
* the tank of a tank vehicle carrying 爆炸品 holds at most 20 m³, carrying 剧毒化学品 at most 10 m³;
* a vehicle without a tank carrying 剧毒化学品 or 爆炸品 has a rated load (核定载质量) of at most 10 t.

The same article names 强腐蚀性 goods beside explosives in the last two rules; the catalogue does not say which goods
are strongly corrosive, so that part is not enforced. Tank containers and container vehicles, which the article
excepts, are not vehicle kinds here. A semi-trailer's body (van or flatbed) is not recorded, so only a flatbed is
known to be one.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from app.i18n import Text
from app.services.waybills.passes import is_explosive
from app.services.waybills.records import CheckRecords, VehicleRecord
from models.fleet import VehicleKind
from models.waybills import WaybillVersion

if TYPE_CHECKING:
    from app.services.waybills.checks import Findings, LoadedLine

#: Art. 8 (一): the largest tank for explosives and for highly toxic goods, and the largest rated load without one.
EXPLOSIVE_TANK_M3 = Decimal(20)
HIGHLY_TOXIC_TANK_M3 = Decimal(10)
NON_TANK_RATED_LOAD_KG = Decimal(10000)


def check_vehicle_limits(records: CheckRecords, version: WaybillVersion, lines: Sequence[LoadedLine],
                         found: Findings) -> None:
    """Add an error for each vehicle (or the tank capacity) of *version* that Art. 8 (一) rules out for the goods
    of *lines*."""
    toxic = any(item.chemical.highly_toxic for item in lines)
    explosive = any(is_explosive(item.chemical.hazard_class) for item in lines)
    precursor = any(item.chemical.explosive_precursor for item in lines)
    if not (toxic or explosive or precursor):
        return
    named = (("剧毒化学品", toxic), ("爆炸品", explosive), ("易制爆危险化学品", precursor))
    goods = "、".join(name for name, on_board in named if on_board)
    vehicles = [(name, records.vehicles.get(vehicle_id)) for name, vehicle_id in (
        ("vehicle_id", version.vehicle_id), ("trailer_id", version.trailer_id)) if vehicle_id]
    for name, vehicle in vehicles:
        if vehicle is None:
            continue  # not the carrier's: refused by the vehicle checks
        _check_body(name, vehicle, goods, toxic or explosive, found)
    if any(vehicle is not None and vehicle.kind.is_tank for _name, vehicle in vehicles):
        _check_tank(version.tank_capacity_m3, toxic, explosive, found)


def check_combination(records: CheckRecords, version: WaybillVersion, found: Findings) -> None:
    """A trailer only behind a tractor (铰接列车), never behind a truck (货车列车)."""
    vehicle = records.vehicles.get(version.vehicle_id) if version.vehicle_id else None
    if version.trailer_id and vehicle is not None and not vehicle.kind.is_trailer \
            and vehicle.kind is not VehicleKind.TRACTOR:
        found.error("trailer_id", Text("{plate} is no tractor: dangerous goods travel in no road train (货车列车), "
                                       "only behind a tractor (铰接列车) (道路危险货物运输管理规定, Chapter 3)",
                                       plate=vehicle.plate))


def _check_body(name: str, vehicle: VehicleRecord, goods: str, limited: bool, found: Findings) -> None:
    if vehicle.kind is VehicleKind.FLATBED:
        found.error(name, Text("{plate} is a flatbed: {goods} travel only in a tank or van body "
                               "(道路危险货物运输管理规定 Art. 8)", plate=vehicle.plate, goods=goods))
    elif limited and not vehicle.kind.is_tank and vehicle.kind is not VehicleKind.TRACTOR \
            and vehicle.rated_load_kg > NON_TANK_RATED_LOAD_KG:
        found.error(name, Text("{plate}: a vehicle without a tank carrying 剧毒化学品 or 爆炸品 has a rated load of "
                               "at most {limit} kg, not {rated} kg (道路危险货物运输管理规定 Art. 8)",
                               plate=vehicle.plate, limit=NON_TANK_RATED_LOAD_KG, rated=vehicle.rated_load_kg))


def _check_tank(capacity: Decimal | None, toxic: bool, explosive: bool, found: Findings) -> None:
    if capacity is None:
        return  # required for tank transport: refused by the national format's check
    limit = min(([HIGHLY_TOXIC_TANK_M3] if toxic else []) + ([EXPLOSIVE_TANK_M3] if explosive else []),
                default=None)
    if limit is not None and capacity > limit:
        found.error("tank_capacity_m3", Text("a tank carrying {goods} holds at most {limit} m³, not {capacity} m³ "
                                             "(道路危险货物运输管理规定 Art. 8)",
                                             goods="剧毒化学品" if toxic else "爆炸品", limit=limit, capacity=capacity))
