"""The demo's story, posted through the same services as real use, so every rule and the hash chain hold.

Ten days ago 锡山精细化工 produced 10 t of methanol. It stored some, took in 25 t of liquid chlorine into its
plant's second unit, the chlorine tank area (the supervisor registered it for 30 t: a 三级 major hazard source,
an alert), sold 5 t of methanol to 新吴新材料 (waybill, closed),
which used it in a paint process that also made solvent waste (HW06); the waste went to 滨湖固废 under a
transfer manifest and its waybill, was received and disposed of by incineration. 新吴新材料 still stores waste
mineral oil (HW08) generated more than a year ago: an overdue alert. Further waybills stand in every other
status; a gasoline tanker is on its way along the demo corridor in Shanghai right now (the road network the
project ships data for); its first positions show a detour through a no-entry zone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import consignments, registry, unit_of_work, units
from app.services.fleet import PERSONNEL, VEHICLES
from app.services.ledger import lifecycle
from app.services.ledger.posting import Actor
from app.services.ledger.transform import Input, Output, transform
from app.services.permits import PERMITS
from app.services.sites import SITES
from app.services.waste import manifests
from app.services.waste.codes import Declaration
from app.services.waybills import service as waybills
from app.services.waybills.documents import new_waybill_number
from models import (
    Batch, Chemical, Corridor, CrewRole, EntryKind, PermitKind, SiteKind, UnitKind, User, VehicleKind, Waybill,
    WaybillEvent,
)
from models.types import utcnow

FIRST_BATCH = "WX-MEOH-001"


@dataclass
class Cast:
    """The demo's enterprises (by key) and the users acting for them."""

    firms: dict[str, Any]
    users: dict[str, User]

    def actor(self, key: str) -> Actor:
        return Actor(self.users[key].id, self.firms[key].id)


def _chemical(session: Session, un_number: str, *, source: str = "cn_seed") -> Chemical:
    return session.scalars(select(Chemical).where(Chemical.un_number == un_number, Chemical.source == source)).one()


def _demo_chemicals(session: Session) -> dict[str, Chemical]:
    """Methanol and gasoline from the seed list, plus the paint product and the solvent waste of the story."""
    extra = {
        "paint": dict(un_number="1263", name_zh="含易燃溶剂的涂料", name_en="PAINT", hazard_class="3",
                      packing_group="II", tunnel_code="D/E", catalogue_serial=2828),
        "waste": dict(un_number="1993", name_zh="废有机溶剂 (甲醇)",
                      name_en="WASTE FLAMMABLE LIQUID, N.O.S. (methanol)", hazard_class="3", packing_group="II",
                      tunnel_code="D/E"),
        "waste_oil": dict(un_number="3082", name_zh="废矿物油", hazard_class="9", packing_group="III",
                          name_en="WASTE ENVIRONMENTALLY HAZARDOUS SUBSTANCE, LIQUID, N.O.S. (mineral oil)"),
    }
    with unit_of_work(session):
        for ref, fields in extra.items():
            if session.scalar(select(Chemical.id).where(Chemical.source == "demo", Chemical.source_ref == ref)) is None:
                session.add(Chemical(source="demo", source_ref=ref, **fields))
    found = {ref: session.scalars(select(Chemical).where(Chemical.source == "demo", Chemical.source_ref == ref)).one()
             for ref in extra}
    return {"methanol": _chemical(session, "1230"), "gasoline": _chemical(session, "1203"),
            "chlorine": _chemical(session, "1017"), "cyanide": _chemical(session, "1689"), **found}


def _registry(session: Session, cast: Cast, since: dt.date) -> dict[str, Any]:
    """Permits, sites, vehicles and crew of the demo firms."""
    until = since + dt.timedelta(days=3 * 365)
    permits = [("shipper", PermitKind.SAFETY_PRODUCTION, "(苏)WH安许证字〔2024〕000518", ["3", "8"]),
               ("shipper", PermitKind.CHEMICALS_OPERATION, "苏(锡)危化经字〔2024〕000123", ["2", "3", "6.1", "8"]),
               ("consignee", PermitKind.SAFE_USE, "苏(锡)危化使字〔2024〕000042", ["3"]),
               # Class 9 too: the works ships its own waste mineral oil (UN 3082, class 9) for disposal.
               ("consignee", PermitKind.CHEMICALS_OPERATION, "苏(锡)危化经字〔2024〕000287", ["3", "6.1", "9"]),
               ("carrier", PermitKind.ROAD_TRANSPORT, "苏交运管许可锡字320281000123号", ["2", "3", "6.1", "8", "9"]),
               ("disposer", PermitKind.HAZARDOUS_WASTE, "JSWX0211OOD018-3", ["3", "6.1", "8", "9"])]
    # The disposer's 危险废物经营许可证 names the wastes it accepts and how it treats them.
    waste_scope = {"waste_categories": ["HW06", "HW08", "HW12", "HW49"], "disposal_methods": ["R2", "R9", "D9", "D10"]}
    for firm, kind, number, classes in permits:
        registry.create(session, PERMITS, {"holder_id": cast.firms[firm].id, "kind": kind, "number": number,
                                           "hazard_classes": classes, "un_numbers": [], "valid_from": since,
                                           "valid_to": until,
                                           **(waste_scope if kind is PermitKind.HAZARDOUS_WASTE else {})})
    # The last figure: people living within 500 m (GB 18218 α).
    sites = {
        "plant": ("shipper", "东港厂区", "plant", 120.4881, 31.6402, "320205", 120),
        "store": ("shipper", "羊尖仓库", "warehouse", 120.5312, 31.5985, "320205", 45),
        "sh_depot": ("shipper", "上海徐汇中转库", "warehouse", 121.4551, 31.2047, "310104", 300),
        "works": ("consignee", "梅村厂区", "plant", 120.4206, 31.5218, "320214", 260),
        "sh_store": ("consignee", "上海虹口仓库", "warehouse", 121.4750, 31.2454, "310109", 500),
        "disposal": ("disposer", "胡埭处置中心", "disposal_facility", 120.1712, 31.5307, "320211", 15),
    }
    made = {key: registry.create(session, SITES, {"enterprise_id": cast.firms[firm].id, "name": name,
                                                  "kind": SiteKind(kind), "lon": lon, "lat": lat,
                                                  "district_adcode": adcode, "exposed_population": people})
            for key, (firm, name, kind, lon, lat, adcode, people) in sites.items()}
    carrier = cast.firms["carrier"].id
    made["tanker"] = registry.create(session, VEHICLES, {
        "carrier_id": carrier, "plate": "苏B12345", "kind": VehicleKind.TANK, "hazard_classes": ["3"],
        "rated_load_kg": Decimal("30000"), "tank_media": ["1230", "1203", "1170"], "gps_terminal_id": "013912345678",
        "inspection_valid_until": until})
    made["van"] = registry.create(session, VEHICLES, {
        "carrier_id": carrier, "plate": "苏B23456", "kind": VehicleKind.VAN, "hazard_classes": ["3", "6.1", "8", "9"],
        "rated_load_kg": Decimal("10000"), "gps_terminal_id": "013912345679", "inspection_valid_until": until})
    for key, role, name, national_id in (("driver", CrewRole.DRIVER, "王建国", "320281198503121235"),
                                         ("escort", CrewRole.ESCORT, "李明", "320205199007150027")):
        made[key] = registry.create(session, PERSONNEL, {
            "employer_id": carrier, "role": role, "name": name, "certificate_number": f"32028100{national_id[-6:]}",
            "national_id": national_id, "qualification_classes": ["2", "3", "6.1", "8", "9"], "valid_until": until})
    return made


#: The national format's content the carrier writes on each demo waybill (docs/e-waybills.md), by vehicle.
NATIONAL = {"shipper_contact": "0510-86801001", "consignee_contact": "0510-85602002", "driver_phone": "13915200101",
            "escort_phone": "13915200102", "dispatcher": "周调度", "vehicle_plate_colour": "黄"}
VEHICLE_CONTENT = {
    "tanker": {"vehicle_transport_certificate": "苏交运管危字320281001234", "tank_number": "JY-TK-0817",
               "tank_capacity_m3": Decimal("40")},
    "van": {"vehicle_transport_certificate": "苏交运管危字320281002345"},
}


def _trip(session: Session, cast: Cast, made: dict[str, Any], *, shipper: str, consignee: str, vehicle: str,
          loading: str, unloading: str, lines: list[tuple[Batch, str, str, int]], departs: dt.datetime,
          corridor: Corridor | None = None) -> Waybill:
    """A complete draft from *shipper* to *consignee*: lines are (batch, kg, packaging, count)."""
    data = {
        "consignee_id": cast.firms[consignee].id, "carrier_id": cast.firms["carrier"].id,
        "vehicle_id": made[vehicle].id, "driver_id": made["driver"].id, "escort_id": made["escort"].id,
        "loading_site_id": made[loading].id, "unloading_site_id": made[unloading].id,
        "departure_earliest": departs, "departure_latest": departs + dt.timedelta(hours=4),
        "emergency_contact": "0510-86801119", "corridor_id": corridor.id if corridor else None,
        "lines": [{"batch_id": b.id, "quantity_kg": Decimal(kg), "packaging_kind": kind, "packaging_count": count}
                  for b, kg, kind, count in lines],
        **NATIONAL, **VEHICLE_CONTENT[vehicle],
    }
    if made[vehicle].kind.is_tank:
        data["tank_inspection_valid_until"] = made[vehicle].inspection_valid_until
    waybill = waybills.create_draft(session, cast.users[shipper], data)
    _date(session, waybill, "draft", departs)
    return waybill


#: When, before its departure, the story's waybill reached each status; arrival and closing come after.
_BEFORE_DEPARTURE = {"draft": dt.timedelta(hours=6), "issued": dt.timedelta(hours=5), "in_transit": dt.timedelta(0)}
_AFTER_DEPARTURE = {"delivered": dt.timedelta(hours=2), "closed": dt.timedelta(hours=3)}


def _story_time(status: str, departs: dt.datetime) -> dt.datetime:
    """When the story's waybill departing at *departs* reached *status*. It is made and issued on the day it departs
    (its number is dated that day): for a departure within six hours of midnight the leads shrink in proportion,
    keeping their order, instead of dating the waybill the day before (the demo loads at any hour)."""
    if status in _AFTER_DEPARTURE:
        return departs + _AFTER_DEPARTURE[status]
    since_midnight = departs - departs.replace(hour=0, minute=0, second=0, microsecond=0)
    return departs - _BEFORE_DEPARTURE[status] * min(1.0, since_midnight / _BEFORE_DEPARTURE["draft"])


def _date(session: Session, waybill: Waybill, status: str, departs: dt.datetime | None) -> None:
    """Date the step to *status* in the story's time, not when the demo happened to load: the services stamp
    the moment they run, which would show days-old movements under today's numbers and a departure recorded
    after its departure time. A step that would lie in the future (a trip not yet begun) keeps its stamp."""
    if departs is None:
        return
    at = _story_time(status, departs)
    if at > utcnow():
        return
    with unit_of_work(session):
        event = session.scalars(select(WaybillEvent).where(WaybillEvent.waybill_id == waybill.id,
                                                           WaybillEvent.to_status == status)).one()
        event.at = at
        if status == "draft":  # before any ledger entry names the number
            waybill.created_at, waybill.number = at, new_waybill_number(at.date())


def _advance(session: Session, cast: Cast, waybill: Waybill, to: str, *, departs: dt.datetime | None = None,
             delivered: dict[int, Decimal] | None = None, shipper: str = "shipper",
             consignee: str = "consignee") -> None:
    """Walk *waybill* along the status machine up to *to*, as the parties would (no approval: Order 29 issues a
    waybill whose checks pass when it is submitted)."""
    steps = ["issued", "in_transit", "delivered", "closed"]
    wid = waybill.id
    for step in steps[:steps.index(to) + 1] if to in steps else []:
        if step == "issued":
            waybills.submit(session, cast.users[shipper], wid, row_version=waybill.row_version)
        elif step == "in_transit":
            waybills.depart(session, cast.users["carrier"], wid, departs)
        elif step == "delivered":
            waybills.arrive(session, cast.users["carrier"], wid, departs + dt.timedelta(hours=2), delivered or {})
        else:
            waybills.close(session, cast.users[consignee], wid)
        _date(session, waybill, step, departs)


def _design_maxima(session: Session, cast: Cast, made: dict[str, Any], chem: dict[str, Chemical]) -> Any:
    """The supervisor registers the plant's second unit and every unit's design maximums (GB 18218 §4.2.2).

    The plant: its production unit for 20 t of methanol (S = 20/500 = 0.04) and the chlorine tank area for
    30 t of chlorine (Q = 5 t, β = 4), 120 people around (α = 2.0): S = 6, R = 2.0 × 4 × 6 = 48, 三级; the
    plant takes its worst unit's grade. The other sites hold what they are registered for, below S = 1.
    """
    supervisor = cast.users["supervisor"]
    tanks = units.add_unit(session, supervisor, made["plant"].id, name="液氯储罐区", kind=UnitKind.STORAGE)
    for site, unit, chemical, tonnes in (("plant", None, "methanol", "20"), ("plant", tanks, "chlorine", "30"),
                                         ("store", None, "methanol", "10"), ("works", None, "methanol", "10"),
                                         ("sh_depot", None, "gasoline", "30"), ("sh_store", None, "gasoline", "30")):
        units.set_design_maximum(session, supervisor, made[site].id, chemical_id=chem[chemical].id,
                                 quantity_t=Decimal(tonnes), unit_id=unit.id if unit else None,
                                 reason="安全设施设计专篇 (演示)")
    return tanks


def play_story(session: Session, cast: Cast) -> dict[str, list[str]]:
    """Post the whole story; returns the batch codes and waybill ids the contract's JSON lists."""
    now = utcnow().replace(microsecond=0)
    t0 = now - dt.timedelta(days=10)
    made = _registry(session, cast, (t0 - dt.timedelta(days=365)).date())
    chem = _demo_chemicals(session)
    corridor = session.scalars(select(Corridor).where(Corridor.name == "演示通道 (上海)")).one_or_none()
    day = dt.timedelta(days=1)
    shipper, consignee = cast.actor("shipper"), cast.actor("consignee")

    chlorine_tanks = _design_maxima(session, cast, made, chem)
    lifecycle.introduce(session, shipper, kind=EntryKind.PRODUCE, code=FIRST_BATCH, chemical_id=chem["methanol"].id,
                        site_id=made["plant"].id, quantity=Decimal("10000"), occurred_at=t0)
    lifecycle.introduce(session, shipper, kind=EntryKind.RECEIVE, code="WX-CL2-001", chemical_id=chem["chlorine"].id,
                        site_id=made["plant"].id, unit_id=chlorine_tanks.id, quantity=Decimal("25000"),
                        occurred_at=t0 + day / 2, document_ref="采购单 CG-2026-0457")
    lifecycle.transfer(session, shipper, batch_code=FIRST_BATCH, from_site_id=made["plant"].id,
                       to_site_id=made["store"].id, quantity=Decimal("2000"), occurred_at=t0 + day)
    meoh = session.scalars(select(Batch).where(Batch.code == FIRST_BATCH)).one()
    trips: list[Waybill] = []

    sale = _trip(session, cast, made, shipper="shipper", consignee="consignee", vehicle="tanker", loading="plant",
                 unloading="works", lines=[(meoh, "5000", "tank", 1)], departs=t0 + 2 * day)
    _advance(session, cast, sale, "closed", departs=t0 + 2 * day, delivered={1: Decimal("4998")})
    trips.append(sale)

    transform(session, consignee, site_id=made["works"].id, occurred_at=t0 + 3 * day, document_ref="工单 XW-2026-118",
              inputs=[Input(FIRST_BATCH, Decimal("3000"))],
              outputs=[Output("XW-PAINT-001", chem["paint"].id, Decimal("2650")),
                       Output("XW-WASTE-001", chem["waste"].id, Decimal("300"), waste=Declaration(
                           "900-404-06", ("T", "I")))])
    lifecycle.retire(session, consignee, kind=EntryKind.CONSUME, batch_code=FIRST_BATCH, site_id=made["works"].id,
                     quantity=Decimal("1000"), occurred_at=t0 + 4 * day)
    waste = session.scalars(select(Batch).where(Batch.code == "XW-WASTE-001")).one()
    to_disposal = _trip(session, cast, made, shipper="consignee", consignee="disposer", vehicle="van",
                        loading="works", unloading="disposal", lines=[(waste, "300", "drum", 2)], departs=t0 + 5 * day)
    manifest = manifests.create(session, cast.users["consignee"], {
        "carrier_id": cast.firms["carrier"].id, "disposer_id": cast.firms["disposer"].id,
        "disposer_site_id": made["disposal"].id, "disposal_method": "D10", "waybill_id": to_disposal.id,
        "lines": [{"batch": "XW-WASTE-001", "quantity_kg": Decimal("300")}]})
    manifests.carrier_check(session, cast.users["carrier"], manifest.id, matches=True, note="桶装 2 只, 与联单一致",
                            at=t0 + 5 * day)
    with unit_of_work(session):  # opened with its waybill, in the story's time (as _date does for waybills)
        manifest.created_at = to_disposal.created_at
    waybills.update(session, cast.users["consignee"], to_disposal.id, {"waste_manifest_number": manifest.number})
    _advance(session, cast, to_disposal, "delivered", departs=t0 + 5 * day, shipper="consignee", consignee="disposer")
    trips.append(to_disposal)
    manifests.receive(session, cast.users["disposer"], manifest.id, t0 + 5 * day + dt.timedelta(hours=3))
    manifests.dispose(session, cast.users["disposer"], manifest.id, t0 + 6 * day)
    # Waste oil from the works' maintenance, stored since more than a year: the posting raises the overdue alert.
    lifecycle.introduce(session, consignee, kind=EntryKind.GENERATE_WASTE, code="XW-WASTE-000",
                        chemical_id=chem["waste_oil"].id, site_id=made["works"].id, quantity=Decimal("180"),
                        occurred_at=now - dt.timedelta(days=400), document_ref="设备维修 WX-2025-031",
                        waste=Declaration("900-249-08", ("T", "I")))

    lifecycle.introduce(session, shipper, kind=EntryKind.RECEIVE, code="SH-GASO-001", chemical_id=chem["gasoline"].id,
                        site_id=made["sh_depot"].id, quantity=Decimal("20000"), occurred_at=t0 + 7 * day)
    gasoline = session.scalars(select(Batch).where(Batch.code == "SH-GASO-001")).one()
    on_the_road = _trip(session, cast, made, shipper="shipper", consignee="consignee", vehicle="tanker",
                        loading="sh_depot", unloading="sh_store", lines=[(gasoline, "15000", "tank", 1)],
                        departs=now - dt.timedelta(minutes=30), corridor=corridor)
    _advance(session, cast, on_the_road, "in_transit", departs=now - dt.timedelta(minutes=30))
    trips.append(on_the_road)

    tomorrow = now + day
    for status in ("issued", "rejected", "cancelled"):
        waybill = _trip(session, cast, made, shipper="shipper", consignee="consignee", vehicle="van", loading="plant",
                        unloading="works", lines=[(meoh, "1000", "IBC", 1)], departs=tomorrow, corridor=corridor)
        if status == "rejected":
            _advance(session, cast, waybill, "issued")
            waybills.reject(session, cast.users["supervisor"], waybill.id, reason="装卸时间与园区限行时段冲突，请调整")
        elif status == "cancelled":
            waybills.cancel(session, cast.users["shipper"], waybill.id, "客户推迟订单")
        else:
            _advance(session, cast, waybill, status)
        trips.append(waybill)
    trips += _order_29(session, cast, made, chem, meoh, tomorrow)
    draft = waybills.create_draft(session, cast.users["shipper"], {
        "consignee_id": cast.firms["consignee"].id, "carrier_id": cast.firms["carrier"].id,
        "lines": [{"batch_id": meoh.id, "quantity_kg": Decimal("500")}]})
    trips.append(draft)
    return {"batches": ["XW-WASTE-000", FIRST_BATCH, "WX-CL2-001", "XW-PAINT-001", "XW-WASTE-001", "SH-GASO-001",
                        CYANIDE],
            "waybills": [str(w.id) for w in trips]}


CYANIDE = "WX-NACN-001"


def _order_29(session: Session, cast: Cast, made: dict[str, Any], chem: dict[str, Chemical], meoh: Batch,
              departs: dt.datetime) -> list[Waybill]:
    """Order 29's workflow (docs/e-waybills.md): the shipper hands its carrier a consignment list (托运清单) and
    the carrier makes the waybill from it, issued on submission without approval; a 剧毒 (sodium cyanide) waybill
    waits for public security's pass, and one whose pass was granted may depart."""
    shipper = cast.actor("shipper")
    lifecycle.introduce(session, shipper, kind=EntryKind.RECEIVE, code=CYANIDE, chemical_id=chem["cyanide"].id,
                        site_id=made["store"].id, quantity=Decimal("1000"), occurred_at=departs - dt.timedelta(days=2),
                        document_ref="采购单 CG-2026-0611")
    emergency = {"hazards": "易燃液体，蒸气可致中毒失明", "first_aid": "脱离现场，吸氧，误服立即就医",
                 "spill_response": "切断火源，围堤收容，泡沫覆盖", "fire_response": "抗溶性泡沫、干粉、二氧化碳"}
    listed = consignments.create_consignment(session, cast.users["shipper"], {
        "carrier_id": cast.firms["carrier"].id, "consignee_id": cast.firms["consignee"].id,
        "loading_site_id": made["plant"].id, "unloading_site_id": made["works"].id, "loader_name": "东港厂区装卸班",
        "shipper_contact": NATIONAL["shipper_contact"], "consignee_contact": NATIONAL["consignee_contact"],
        "emergency_phone": "0510-86801119",
        "lines": [{"batch_id": meoh.id, "quantity_kg": Decimal("800"), "packaging_kind": "IBC", "packaging_count": 1,
                   **emergency}]})
    crew = {name: value for name, value in {**NATIONAL, **VEHICLE_CONTENT["van"]}.items()
            if name not in ("shipper_contact", "consignee_contact")}
    made_by_carrier = waybills.create_draft(session, cast.users["carrier"], {
        "consignment_id": listed.id, "vehicle_id": made["van"].id, "driver_id": made["driver"].id,
        "escort_id": made["escort"].id, "departure_earliest": departs,
        "departure_latest": departs + dt.timedelta(hours=4), **crew})
    waybills.submit(session, cast.users["carrier"], made_by_carrier.id)
    cyanide = session.scalars(select(Batch).where(Batch.code == CYANIDE)).one()
    toxic = [_trip(session, cast, made, shipper="shipper", consignee="consignee", vehicle="van", loading="store",
                   unloading="works", lines=[(cyanide, "200", "drum", 4)], departs=departs + dt.timedelta(days=n))
             for n in (1, 2)]
    for waybill in toxic:
        _advance(session, cast, waybill, "issued")  # awaiting_pass: 剧毒 cargo
    waybills.grant_pass(session, cast.users["police"], toxic[0].id, pass_number="锡公(危)通字〔2026〕第0612号")
    return [made_by_carrier, *toxic]
