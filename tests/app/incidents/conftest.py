"""Incidents on the monitoring tests' road trip (methanol, A (121.40, 31.20) → B (121.50, 31.20)), on both
backends. The road network is switched off unless a test asks for it (loading the Shanghai extract takes seconds)."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from models import TripState, Waybill
from tests.app.monitoring.conftest import API, A, B, MID, RoadTrip, road, trip  # noqa: F401 (fixtures)
from tests.app.waybills.conftest import Trip, waybill_in_transit

INCIDENTS = f"{API}/incidents"
__all__ = ["API", "A", "B", "MID", "INCIDENTS", "RoadTrip", "Trip"]


@pytest.fixture(autouse=True)
def no_network(app: Any) -> None:
    app.config["NETWORK_PATH"] = "osm/not-installed.osm"


def report(client: Any, headers: dict[str, str], status: int = 201, **body: Any) -> dict[str, Any]:
    response = client.post(INCIDENTS, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def vehicle_at(session: Session, world: Trip, lon: float, lat: float) -> Waybill:
    """Another waybill of *world* in transit, its vehicle last seen at (lon, lat)."""
    waybill = waybill_in_transit(session, world)
    session.add(TripState(waybill_id=waybill.id, last_lon=lon, last_lat=lat))
    session.commit()
    return waybill
