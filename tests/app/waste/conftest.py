"""A waste world on the trip world: the shipper generates solvent waste, the consignee is a licensed disposer."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import Permit, PermitKind
from models.types import utcnow
from tests.app.ledger.conftest import ALL_CLASSES
from tests.app.waybills.conftest import Trip, build_trip
from tests.factories import make_permit

WASTE = "WASTE-001"


@dataclass
class WasteWorld:
    trip: Trip
    permit: Permit
    client: FlaskClient

    def call(self, method: str, path: str, who: str = "shipper", **kwargs):
        return getattr(self.client, method)(f"/api/v1/{path}", headers=self.trip.headers[who], **kwargs)

    def generate(self, code: str = WASTE, kg: str = "2000", days_ago: float = 0.1, **declaration):
        body = {"kind": "generate_waste", "code": code, "chemical_id": str(self.trip.chemical.id),
                "site_id": str(self.trip.loading.id), "quantity": kg,
                "occurred_at": (utcnow() - dt.timedelta(days=days_ago)).isoformat(),
                "waste_code": "900-404-06", "waste_characteristics": ["T", "I"], **declaration}
        return self.call("post", "movements", json=body)

    def manifest(self, who: str = "shipper", **overrides):
        body = {"carrier_id": str(self.trip.carrier.id), "disposer_id": str(self.trip.consignee.id),
                "disposer_site_id": str(self.trip.unloading.id), "disposal_method": "R2",
                "lines": [{"batch": WASTE, "quantity_kg": "800"}], **overrides}
        return self.call("post", "waste-manifests", who, json=body)


def license_disposer(session: Session, trip: Trip, **scope) -> Permit:
    """A 危险废物经营许可证 for the consignee: HW06 and 900-041-49, by solvent recovery (R2) or incineration (D10)."""
    values = {"waste_categories": ["HW06"], "waste_codes": ["900-041-49"], "disposal_methods": ["R2", "D10"],
              **scope}
    today = dt.date.today()
    return make_permit(session, trip.consignee, kind=PermitKind.HAZARDOUS_WASTE, number="JSWX0211OOD018-3",
                       hazard_classes=ALL_CLASSES, valid_from=today - dt.timedelta(days=30),
                       valid_to=today + dt.timedelta(days=365), **values)


@pytest.fixture
def waste_world(session: Session, client: FlaskClient) -> WasteWorld:
    trip = build_trip(session)
    permit = license_disposer(session, trip)
    session.commit()
    return WasteWorld(trip, permit, client)
