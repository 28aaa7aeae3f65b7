"""A trip world: a shipper with stock, a consignee, a carrier with a tanker and a crew, all permitted."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.ledger import lifecycle
from app.services.ledger.posting import Actor
from app.services.waybills.documents import new_waybill_number
from models import (
    Batch, Chemical, CrewRole, Enterprise, EntryKind, Permit, PermitKind, Person, Role, Site, User, Vehicle, Waybill,
    WaybillStatus, WaybillVersion,
)
from models.types import utcnow
from tests.app.ledger.conftest import grant_permits
from tests.factories import (
    auth, make_carrier, make_chemical, make_enterprise, make_person, make_site, make_user, make_vehicle,
)


#: The national format's content a submission requires of the trip's tanker and crew (see
#: app/services/waybills/national.py); a 10 m³ tank may carry highly toxic goods too (vehicle_limits.py).
NATIONAL = {"shipper_contact": "0510-88880001", "consignee_contact": "0510-88880002", "vehicle_plate_colour": "黄",
            "vehicle_transport_certificate": "苏交运管危字320200001234", "driver_phone": "13900000001",
            "escort_phone": "13900000002", "dispatcher": "调度 王", "tank_number": "TK-0001",
            "tank_capacity_m3": "10"}


@dataclass
class Trip:
    shipper: Enterprise
    consignee: Enterprise
    carrier: Enterprise
    loading: Site
    unloading: Site
    chemical: Chemical
    batch: Batch
    tanker: Vehicle
    driver: Person
    escort: Person
    headers: dict[str, dict[str, str]]

    def consignee_permits(self, session: Session) -> list[Permit]:
        return list(session.scalars(select(Permit).where(Permit.holder_id == self.consignee.id)))

    def draft(self, **overrides) -> dict:
        """A complete waybill body: 10 t of methanol in the tanker, departing tomorrow morning."""
        tomorrow = (utcnow() + dt.timedelta(days=1)).replace(microsecond=0)
        later = tomorrow + dt.timedelta(hours=4)
        body = {
            "consignee_id": str(self.consignee.id), "carrier_id": str(self.carrier.id),
            "vehicle_id": str(self.tanker.id), "driver_id": str(self.driver.id), "escort_id": str(self.escort.id),
            "loading_site_id": str(self.loading.id), "unloading_site_id": str(self.unloading.id),
            "departure_earliest": tomorrow.isoformat(), "departure_latest": later.isoformat(),
            "emergency_contact": "0510-12345678", **NATIONAL,
            "tank_inspection_valid_until": str(later.date() + dt.timedelta(days=90)),
            "lines": [{"batch_id": str(self.batch.id), "quantity_kg": "10000", "packaging_kind": "tank",
                       "packaging_count": 1}],
        }
        body.update(overrides)
        return body


def build_trip(session: Session) -> Trip:
    shipper = make_enterprise(session, name="无锡锡山精细化工", roles=["producer"])
    consignee = make_enterprise(session, name="无锡新吴新材料", roles=["user"])
    carrier = make_carrier(session, name="江阴长江危险品运输")
    grant_permits(session, shipper, PermitKind.SAFETY_PRODUCTION)
    grant_permits(session, consignee, PermitKind.SAFE_USE)
    grant_permits(session, carrier, PermitKind.ROAD_TRANSPORT)
    loading, unloading = make_site(session, shipper), make_site(session, consignee)
    chemical = make_chemical(session, packing_group="II", tunnel_code="D/E")
    shipper_user, shipper_token = make_user(session, Role.ENTERPRISE, enterprise=shipper)
    lifecycle.introduce(session, Actor(shipper_user.id, shipper.id), kind=EntryKind.PRODUCE, code="MEOH-001",
                        chemical_id=chemical.id, site_id=loading.id, quantity=Decimal("25000"),
                        occurred_at=utcnow() - dt.timedelta(hours=2))
    batch = session.scalars(select(Batch).where(Batch.code == "MEOH-001")).one()
    soon = dt.date.today() + dt.timedelta(days=200)
    tanker = make_vehicle(session, carrier, inspection_valid_until=soon)
    driver = make_person(session, carrier)
    escort = make_person(session, carrier, role=CrewRole.ESCORT)
    headers = {"shipper": auth(shipper_token)}
    for key, role, enterprise in (("consignee", Role.ENTERPRISE, consignee), ("carrier", Role.ENTERPRISE, carrier),
                                  ("supervisor", Role.SUPERVISOR, None), ("auditor", Role.AUDITOR, None),
                                  ("outsider", Role.ENTERPRISE, None), ("admin", Role.ADMIN, None)):
        headers[key] = auth(make_user(session, role, enterprise=enterprise)[1])
    session.commit()
    return Trip(shipper, consignee, carrier, loading, unloading, chemical, batch, tanker, driver, escort, headers)


@pytest.fixture
def trip(session: Session) -> Trip:
    return build_trip(session)


def waybill_in_transit(session: Session, trip: Trip, vehicle: Vehicle | None = None) -> Waybill:
    """A waybill of *trip* carried by *vehicle* (the tanker by default), put straight into transit.

    For tests and benchmarks of positions, which need a trip on the road and not the way it got there. It
    departed six hours ago, so positions of the last hours are on the trip (earlier ones are dropped).
    """
    creator = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    waybill = Waybill(number=new_waybill_number(dt.date.today()), status=WaybillStatus.IN_TRANSIT,
                      shipper_id=trip.shipper.id, consignee_id=trip.consignee.id, carrier_id=trip.carrier.id,
                      created_by=creator.id, departed_at=utcnow() - dt.timedelta(hours=6))
    waybill.versions.append(WaybillVersion(version=1, vehicle_id=(vehicle or trip.tanker).id,
                                           loading_site_id=trip.loading.id, unloading_site_id=trip.unloading.id))
    session.add(waybill)
    session.flush()
    return waybill
