"""The national waybill format's content a submission requires, and when (Order 29, 交通运输部令2019年第29号,
Art. 24 and the format it prescribes; see app/data/README.md, "E-waybills per Order 29").

Every waybill names the parties' contacts, the vehicle's plate colour and 道路运输证 number, the crew's phones and
the dispatcher; a trailer needs its own plate colour and certificate; tank transport needs the tank's number,
capacity and an inspection valid on the last day the trip may depart on; hazardous waste needs its transfer
manifest (转移联单, 危险废物转移管理办法 Art. 13 (生态环境部令第23号): the carrier checks the manifest and carries it
with the waste).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.waybills.records import CheckRecords
from models import WasteManifest
from models.waybills import Waybill, WaybillVersion

if TYPE_CHECKING:
    from app.services.waybills.checks import Findings, LoadedLine

#: Required on every waybill (what the format has a box for and only the carrier or shipper can say).
ALWAYS = ("shipper_contact", "consignee_contact", "vehicle_plate_colour", "vehicle_transport_certificate",
          "driver_phone", "escort_phone", "dispatcher")
#: Required when a trailer is coupled.
TRAILER = ("trailer_plate_colour", "trailer_transport_certificate")
#: Required for tank transport (the vehicle or trailer is a tank).
TANK = ("tank_number", "tank_capacity_m3", "tank_inspection_valid_until")
#: Plate colours (GA 36-2018): 黄 large vehicles, 蓝 small, 黄绿 large new-energy, 渐变绿 small new-energy, ...
PLATE_COLOURS = ("黄", "蓝", "黑", "白", "绿", "黄绿", "渐变绿")


def check_content(session: Session, records: CheckRecords, waybill: Waybill, version: WaybillVersion,
                  lines: Sequence[LoadedLine], trip: dt.date, found: Findings) -> None:
    """Add an error for each field of the national format the waybill lacks where the rules require it."""
    required = list(ALWAYS)
    if version.trailer_id:
        required += TRAILER
    vehicles = [records.vehicles.get(v) for v in (version.vehicle_id, version.trailer_id) if v]
    if any(vehicle is not None and vehicle.kind.is_tank for vehicle in vehicles):
        required += TANK
        valid = version.tank_inspection_valid_until
        if valid is not None and valid < trip:
            found.error("tank_inspection_valid_until", f"the tank's inspection is not valid on {trip}")
    for name in required:
        if getattr(version, name) is None:
            found.error(name, "required to submit")
    _check_waste(session, records, waybill, version, lines, found)


def _check_waste(session: Session, records: CheckRecords, waybill: Waybill, version: WaybillVersion,
                 lines: Sequence[LoadedLine], found: Findings) -> None:
    if not any(item.batch.id in records.waste for item in lines):
        return
    number = version.waste_manifest_number
    if number is None:
        found.error("waste_manifest_number", "the cargo is hazardous waste: the number of its transfer manifest "
                                             "(危险废物转移联单) is required")
        return
    manifest = session.execute(select(WasteManifest.waybill_id).where(WasteManifest.number == number)).first()
    if manifest is None:
        found.error("waste_manifest_number", f"no transfer manifest {number}")
    elif manifest.waybill_id not in (None, waybill.id):
        found.error("waste_manifest_number", f"transfer manifest {number} travels with another waybill")
