"""The checks a waybill passes at submission, all run, every finding tied to the field it concerns.

Errors refuse the submission (422 with every error at once); warnings are kept with the version.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from app.i18n import N_, Text
from app.services.ledger.balances import ZERO
from app.services.party_names import party_name
from app.services.permits import Activity, decide_any
from app.services.waybills.consigned import check_consigned
from app.services.waybills.passes import is_explosive
from app.services.waybills.line_entries import LineEntry, LineRequest, mixed_loading_errors, resolve_entries
from app.services.waybills.national import check_content
from app.services.waybills.trips import overlapping_trips
from app.services.waybills.vehicle_limits import check_combination, check_vehicle_limits
from app.services.waybills.records import BatchRecord, ChemicalRecord, CheckRecords
from models import ControlLevel, EnterpriseRole
from models.catalogue import class_covers
from models.fleet import CrewRole
from models.types import utcnow
from models.waybills import Waybill, WaybillLine, WaybillVersion

#: Fields a waybill must have before it may be submitted (drafts may leave them empty).
REQUIRED = ("vehicle_id", "driver_id", "escort_id", "loading_site_id", "unloading_site_id",
            "departure_earliest", "departure_latest", "emergency_contact")
LINE_REQUIRED = ("batch_id", "quantity_kg", "packaging_kind", "packaging_count")
#: A consignee may receive a chemical it may trade, use, store or (waste) dispose of; any one suffices.
CONSIGNEE_ACTIVITIES = (Activity.TRADE, Activity.USE, Activity.STORE, Activity.DISPOSE)
#: A shipper may send a chemical it may hold: trade, store, use or produce it.
SHIPPER_ACTIVITIES = (Activity.TRADE, Activity.STORE, Activity.USE, Activity.PRODUCE)
#: Every activity a submission asks about (see _check_controls and _check_permits).
PERMIT_ACTIVITIES = tuple(dict.fromkeys(
    (*SHIPPER_ACTIVITIES, *CONSIGNEE_ACTIVITIES, Activity.TRANSPORT)))


@dataclass
class Findings:
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    warnings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def error(self, path: str, message: str) -> None:
        self.errors[path].append(message)

    def warn(self, path: str, message: str) -> None:
        self.warnings[path].append(message)


@dataclass(frozen=True)
class LoadedLine:
    path: str
    line: WaybillLine
    batch: BatchRecord
    chemical: ChemicalRecord
    #: the Table A entry the line travels under (None until resolved, or when it could not be)
    entry: LineEntry | None = None


def check_submission(session: Session, waybill: Waybill, version: WaybillVersion
                     ) -> tuple[Findings, list[LoadedLine], CheckRecords]:
    """Run every check; return the findings, the lines with their batches and chemicals, and the records read."""
    found = Findings()
    for name in REQUIRED:
        if getattr(version, name) is None:
            found.error(name, N_("required to submit"))
    if not version.lines:
        found.error("lines", N_("at least one line is required to submit"))
    if version.departure_earliest and version.departure_latest \
            and version.departure_earliest > version.departure_latest:
        found.error("departure_latest", N_("must not be before departure_earliest"))
    trip = departure_days(version)
    records = CheckRecords.load(session, waybill, version, PERMIT_ACTIVITIES, utcnow())
    lines = _lines(records, version, found)
    entries = resolve_entries(records.entries, [LineRequest(i.path, i.chemical, i.line.entry_id) for i in lines],
                              found)
    lines = [replace(item, entry=entries.get(item.path)) for item in lines]
    _check_parties(records, waybill, version, found)
    _check_controls(records, waybill, lines, trip, found)
    _check_permits(records, waybill, lines, trip, found)
    _check_vehicles(records, waybill, version, lines, trip, found)
    check_vehicle_limits(records, version, lines, found)
    check_combination(records, version, found)
    _check_crew(records, waybill, version, lines, trip, found)
    _check_stock(records, version, lines, found)
    check_consigned(records.consigned, lines, found)
    mixed_loading_errors([(item.path, item.entry.entry) for item in lines if item.entry], found)
    check_content(session, records, waybill, version, lines, trip.last, found)
    for path, message in overlapping_trips(session, waybill, version):
        found.warn(path, message)
    return found, lines, records


@dataclass(frozen=True)
class DepartureDays:
    """The first and last day the waybill may depart on (its departure window's ends)."""

    first: dt.date
    last: dt.date

    @property
    def ends(self) -> tuple[dt.date, ...]:
        return (self.first,) if self.first == self.last else (self.first, self.last)


def departure_days(version: WaybillVersion) -> DepartureDays:
    """The days a permit, certificate or inspection must be valid on: the vehicle may depart any time in the
    window, so whatever the trip needs must hold on both of its ends (a validity period holding on both holds on
    every day between). Without a window (a draft), today; a reversed window is refused on its own."""
    first = (version.departure_earliest or utcnow()).date()
    latest = version.departure_latest
    return DepartureDays(first, latest.date() if latest is not None and latest.date() > first else first)


def _lines(records: CheckRecords, version: WaybillVersion, found: Findings) -> list[LoadedLine]:
    loaded = []
    for index, line in enumerate(version.lines):
        path = f"lines.{index}"
        for name in LINE_REQUIRED:
            if getattr(line, name) is None:
                found.error(f"{path}.{name}", N_("required to submit"))
        if line.quantity_kg is not None and line.quantity_kg <= 0:
            found.error(f"{path}.quantity_kg", N_("must be > 0"))
        if line.batch_id in records.batches:
            loaded.append(LoadedLine(path, line, *records.batches[line.batch_id]))
        elif line.batch_id:
            found.error(f"{path}.batch_id", N_("no such batch"))
    return loaded


def _check_parties(records: CheckRecords, waybill: Waybill, version: WaybillVersion, found: Findings) -> None:
    parties = records.parties
    for name, party_id in (("shipper_id", waybill.shipper_id), ("consignee_id", waybill.consignee_id),
                           ("carrier_id", waybill.carrier_id)):
        if not parties[party_id].active:
            found.error(name, Text("{name} is not active", name=parties[party_id].name))
    if EnterpriseRole.CARRIER.value not in parties[waybill.carrier_id].roles:
        found.error("carrier_id", N_("is not registered as a carrier"))
    for name, site_id, owner in (("loading_site_id", version.loading_site_id, waybill.shipper_id),
                                 ("unloading_site_id", version.unloading_site_id, waybill.consignee_id)):
        site = records.sites.get(site_id) if site_id else None
        if site_id and (site is None or site.enterprise_id != owner):
            found.error(name, N_("not a site of the shipper") if owner == waybill.shipper_id
                        else N_("not a site of the consignee"))
        elif site is not None and not site.active:
            found.error(name, N_("site is not active"))


def _check_controls(records: CheckRecords, waybill: Waybill, lines: list[LoadedLine], trip: DepartureDays,
                    found: Findings) -> None:
    for item in lines:
        chemical, path = item.chemical, f"{item.path}.batch_id"
        if chemical.control_level is ControlLevel.PROHIBITED:
            found.error(path, Text("{chemical} is prohibited (禁止) and may not be shipped",
                                   chemical=chemical.name_zh or chemical.name_en))
        elif chemical.control_level is ControlLevel.RESTRICTED:
            found.warn(path, Text("restricted chemical ({term}): the consignee's end use is subject to review",
                                  term="限制"))
        if chemical.explosive_precursor:
            found.warn(path, Text("explosive precursor ({term}): the public-security filing must accompany the cargo",
                                  term="易制爆"))
        if chemical.highly_toxic:  # the pass is the waybill's own, granted by public security (see .passes)
            found.warn(path, Text("highly toxic ({term}): departs only with public security's road transport pass "
                                  "({pass_name})", term="剧毒", pass_name="通行证"))
        if is_explosive(chemical.hazard_class):  # so is the explosives' transport permit (see .passes)
            found.warn(path, Text("explosive ({term}): departs only with public security's transport permit "
                                  "({pass_name})", term="爆炸品", pass_name="民用爆炸物品运输许可证 / 烟花爆竹道路运输许可证"))
        if class_covers("7", chemical.hazard_class or ""):  # a warning only: no department here grants it
            found.warn(path, Text("radioactive ({term}): the shipper hands the carrier the approval of the carriage "
                                  "({pass_name})", term="放射性物品", pass_name="放射性物品道路运输许可证明或者文件"))


def _check_permits(records: CheckRecords, waybill: Waybill, lines: list[LoadedLine], trip: DepartureDays,
                   found: Findings) -> None:
    for chemical in {item.chemical.id: item.chemical for item in lines}.values():
        path = next(f"{i.path}.batch_id" for i in lines if i.chemical.id == chemical.id)
        for party, party_id, activities in (("shipper", waybill.shipper_id, SHIPPER_ACTIVITIES),
                                            ("consignee", waybill.consignee_id, CONSIGNEE_ACTIVITIES),
                                            ("carrier", waybill.carrier_id, (Activity.TRANSPORT,))):
            for on in trip.ends:  # valid on the first and the last day it may depart on; the first refusal told
                decision = decide_any(records.parties[party_id], activities, chemical, records.permits[party_id], on)
                if not decision.allowed:
                    found.error(path, Text("{party}: {reason}", party=party_name(party), reason=decision.reason))
                    break


def _check_vehicles(records: CheckRecords, waybill: Waybill, version: WaybillVersion, lines: list[LoadedLine],
                    trip: DepartureDays, found: Findings) -> None:
    total = sum((item.line.quantity_kg or Decimal(0) for item in lines), Decimal(0))
    capacity = Decimal(0)
    for name, vehicle_id in (("vehicle_id", version.vehicle_id), ("trailer_id", version.trailer_id)):
        vehicle = records.vehicles.get(vehicle_id) if vehicle_id else None
        if vehicle_id is None:
            continue
        if vehicle is None or vehicle.carrier_id != waybill.carrier_id:
            found.error(name, N_("not a vehicle of the carrier"))
            continue
        if (name == "trailer_id") != vehicle.kind.is_trailer:
            found.error(name, N_("is a trailer") if vehicle.kind.is_trailer else N_("is not a trailer"))
        if not vehicle.active:
            found.error(name, Text("{plate} is not active", plate=vehicle.plate))
        if vehicle.inspection_valid_until is None or vehicle.inspection_valid_until < trip.last:
            found.error(name, Text("{plate}: inspection not valid on {trip}", plate=vehicle.plate, trip=trip.last))
        if name == "vehicle_id" and not vehicle.gps_terminal_id:
            found.error(name, Text("{plate} has no GPS terminal", plate=vehicle.plate))
        for item in lines:
            cls = item.chemical.hazard_class or ""
            if not any(class_covers(scope, cls) for scope in vehicle.hazard_classes):
                found.error(f"{item.path}.batch_id", Text("{plate} is not permitted for class {cls}",
                                                          plate=vehicle.plate, cls=cls))
            if vehicle.kind.is_tank and item.chemical.un_number not in vehicle.tank_media:
                found.error(f"{item.path}.batch_id",
                            Text("the tank of {plate} is not approved for UN {un_number}", plate=vehicle.plate,
                                 un_number=item.chemical.un_number))
        capacity += vehicle.rated_load_kg
    if capacity and total > capacity:
        found.error("lines", Text("{total} kg on board exceeds the rated load of {capacity} kg", total=total,
                                  capacity=capacity))


def _check_crew(records: CheckRecords, waybill: Waybill, version: WaybillVersion, lines: list[LoadedLine],
                trip: DepartureDays, found: Findings) -> None:
    if version.driver_id and version.driver_id == version.escort_id:
        found.error("escort_id", N_("the escort must be another person than the driver"))
    classes = {item.chemical.hazard_class or "" for item in lines}
    for name, person_id, role in (("driver_id", version.driver_id, CrewRole.DRIVER),
                                  ("escort_id", version.escort_id, CrewRole.ESCORT)):
        person = records.people.get(person_id) if person_id else None
        if person_id is None:
            continue
        if person is None or person.employer_id != waybill.carrier_id:
            found.error(name, N_("not employed by the carrier"))
            continue
        if person.role is not role:
            found.error(name, Text("{name} is registered as {role}, not {role2}", name=person.name, role=person.role,
                                   role2=role))
        if not person.active or person.valid_until < trip.last:
            found.error(name, Text("{name}: certificate not valid on {trip}", name=person.name, trip=trip.last))
        missing = sorted(c for c in classes if not any(class_covers(q, c) for q in person.qualification_classes))
        if missing:
            found.error(name, Text("{name} is not qualified for class {names}", name=person.name,
                                   names=', '.join(missing)))


def _check_stock(records: CheckRecords, version: WaybillVersion, lines: list[LoadedLine], found: Findings) -> None:
    if version.loading_site_id is None:
        return
    wanted: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for item in lines:
        wanted[item.batch.id] += item.line.quantity_kg or Decimal(0)
    for item in lines:  # what all lines drawing on one batch ask, against what may leave the site
        have, asked = records.stock.get(item.batch.id, ZERO), wanted[item.batch.id]
        if have < asked:
            found.error(f"{item.path}.quantity_kg",
                        Text("only {have} kg of batch {batch} at the loading site, {asked} kg asked",
                             have=have, batch=item.batch.code, asked=asked))
