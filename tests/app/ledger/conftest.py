"""A small world for ledger tests: a producer, a buyer, a carrier, their sites and users, one chemical."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.services.ledger import lifecycle
from app.services.ledger.posting import Actor
from app.services.ledger.accounts import transit_account
from app.services.waybills.documents import new_waybill_number
from models import Chemical, Enterprise, EntryKind, PermitKind, Role, Site, User, Waybill, WaybillStatus, WaybillVersion
from models.types import utcnow
from tests.factories import auth, make_chemical, make_enterprise, make_permit, make_site, make_user


@dataclass
class World:
    producer: Enterprise
    buyer: Enterprise
    carrier: Enterprise
    plant: Site
    warehouse: Site
    buyer_site: Site
    chemical: Chemical
    producer_user: User
    buyer_user: User
    carrier_user: User
    tokens: dict[str, str]

    @property
    def as_producer(self) -> Actor:
        return Actor(self.producer_user.id, self.producer.id)

    @property
    def as_buyer(self) -> Actor:
        return Actor(self.buyer_user.id, self.buyer.id)

    @property
    def as_carrier(self) -> Actor:
        return Actor(self.carrier_user.id, self.carrier.id)


ALL_CLASSES = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]


def grant_permits(session: Session, holder: Enterprise, *kinds: PermitKind) -> None:
    """Permits of *kinds* for every class, valid from a year ago to a year ahead."""
    today = dt.date.today()
    for kind in kinds:
        make_permit(session, holder, kind=kind, hazard_classes=ALL_CLASSES,
                    valid_from=today - dt.timedelta(days=365), valid_to=today + dt.timedelta(days=365))


def build_world(session: Session) -> World:
    producer = make_enterprise(session, name="无锡锡山精细化工")
    buyer = make_enterprise(session, name="无锡新吴新材料", roles=["user"])
    carrier = make_enterprise(session, name="江阴危险品运输", roles=["carrier"])
    grant_permits(session, producer, PermitKind.SAFETY_PRODUCTION, PermitKind.SAFE_USE,
                  PermitKind.HAZARDOUS_WASTE)
    grant_permits(session, buyer, PermitKind.CHEMICALS_OPERATION, PermitKind.SAFE_USE, PermitKind.HAZARDOUS_WASTE)
    grant_permits(session, carrier, PermitKind.ROAD_TRANSPORT)
    producer_user, producer_token = make_user(session, Role.ENTERPRISE, enterprise=producer)
    buyer_user, buyer_token = make_user(session, Role.ENTERPRISE, enterprise=buyer)
    carrier_user, carrier_token = make_user(session, Role.ENTERPRISE, enterprise=carrier)
    _, admin_token = make_user(session, Role.ADMIN)
    _, auditor_token = make_user(session, Role.AUDITOR)
    return World(
        producer, buyer, carrier, make_site(session, producer), make_site(session, producer),
        make_site(session, buyer), make_chemical(session), producer_user, buyer_user, carrier_user,
        {"producer": producer_token, "buyer": buyer_token, "carrier": carrier_token, "admin": admin_token,
         "auditor": auditor_token},
    )


@pytest.fixture
def world(session: Session) -> World:
    built = build_world(session)
    session.commit()
    return built


@pytest.fixture
def api(client, world):
    """Call the API as one of the world's users (``who``: producer, buyer, carrier, admin, auditor)."""
    def call(method: str, path: str, who: str = "producer", **kwargs):
        return getattr(client, method)(f"/api/v1/{path}", headers=auth(world.tokens[who]), **kwargs)

    return call


def an_hour_ago() -> dt.datetime:
    return utcnow() - dt.timedelta(hours=1)


def produce(session: Session, world: World, code: str = "B-1", kg: str = "100", **fields) -> str:
    fields.setdefault("occurred_at", an_hour_ago())
    lifecycle.introduce(session, world.as_producer, kind=EntryKind.PRODUCE, code=code,
                        chemical_id=world.chemical.id, site_id=world.plant.id, quantity=Decimal(kg), **fields)
    return code


def departed_waybill(session: Session, world: World, status: WaybillStatus = WaybillStatus.IN_TRANSIT, *,
                     from_buyer: bool = False) -> Waybill:
    """A waybill from the producer to the buyer (*from_buyer*: the other way) with the carrier, departed: its
    transit account is open."""
    parties = [(world.producer, world.producer_user, world.plant), (world.buyer, world.buyer_user, world.buyer_site)]
    (shipper, user, loading), (consignee, _, unloading) = parties[::-1] if from_buyer else parties
    waybill = Waybill(number=new_waybill_number(dt.date.today()), status=status, shipper_id=shipper.id,
                      consignee_id=consignee.id, carrier_id=world.carrier.id, created_by=user.id,
                      departed_at=utcnow())
    waybill.versions.append(WaybillVersion(version=1, loading_site_id=loading.id, unloading_site_id=unloading.id))
    session.add(waybill)
    session.flush()
    transit_account(session, world.carrier.id, waybill.number, waybill_id=waybill.id)
    session.commit()
    return waybill
