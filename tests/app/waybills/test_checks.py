"""Submission checks: each failing alone, several at once, every finding tied to its field; nothing written."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.services.waybills.national import ALWAYS
from models import ControlLevel, Corridor, CrewRole, LedgerEntry, PermitKind, VehicleKind, WaybillStatus
from tests.app.ledger.conftest import grant_permits
from tests.factories import make_carrier, make_chemical, make_person, make_vehicle

API = "/api/v1/waybills"


def submit(client, trip, body):
    created = client.post(API, json=body, headers=trip.headers["shipper"])
    assert created.status_code == 201, created.get_json()
    waybill = created.get_json()
    return client.post(f"{API}/{waybill['id']}/submit", json={"row_version": waybill["row_version"]},
                       headers=trip.headers["shipper"])


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    return response.get_json()["errors"]


def test_a_clean_waybill_passes(client, trip):
    assert submit(client, trip, trip.draft()).get_json()["status"] == WaybillStatus.ISSUED


def test_an_empty_draft_reports_every_missing_field_at_once(client, session, trip):
    response = submit(client, trip, {"consignee_id": str(trip.consignee.id), "carrier_id": str(trip.carrier.id)})
    expected = {"vehicle_id", "driver_id", "escort_id", "loading_site_id", "unloading_site_id",
                "departure_earliest", "departure_latest", "emergency_contact", "lines", *ALWAYS}
    assert set(errors_of(response)) == expected


def _expired_inspection(session, trip):
    trip.tanker.inspection_valid_until = dt.date.today() - dt.timedelta(days=1)


def _no_gps(session, trip):
    trip.tanker.gps_terminal_id = None


def _wrong_class(session, trip):
    trip.tanker.hazard_classes = ["8"]


def _tank_media(session, trip):
    trip.tanker.tank_media = ["1203"]


def _driver_unqualified(session, trip):
    trip.driver.qualification_classes = ["2"]


def _driver_expired(session, trip):
    trip.driver.valid_until = dt.date.today() - dt.timedelta(days=1)


def _consignee_permit_revoked(session, trip):
    for permit in trip.consignee_permits(session):
        permit.revoked = True


def _prohibited(session, trip):
    trip.chemical.control_level = ControlLevel.PROHIBITED


@pytest.mark.parametrize("spoil, field, words", [
    (_expired_inspection, "vehicle_id", "inspection not valid"),
    (_no_gps, "vehicle_id", "no GPS terminal"),
    (_wrong_class, "lines.0.batch_id", "not permitted for class 3"),
    (_tank_media, "lines.0.batch_id", "not approved for UN 1230"),
    (_driver_unqualified, "driver_id", "not qualified for class 3"),
    (_driver_expired, "driver_id", "certificate not valid"),
    (_consignee_permit_revoked, "lines.0.batch_id", "consignee"),
    (_prohibited, "lines.0.batch_id", "prohibited"),
])
def test_each_check_failing_alone(client, session, trip, spoil, field, words):
    spoil(session, trip)
    session.commit()
    errors = errors_of(submit(client, trip, trip.draft()))
    assert list(errors) == [field], errors
    assert any(words in message for message in errors[field]), errors


def test_overload_and_stock_and_escort(client, session, trip):
    trip.tanker.rated_load_kg = Decimal("5000")
    session.commit()
    body = trip.draft(escort_id=str(trip.driver.id))
    body["lines"][0]["quantity_kg"] = "30000"
    errors = errors_of(submit(client, trip, body))
    assert "exceeds the rated load" in " ".join(errors["lines"])
    assert "only 25000.000 kg" in " ".join(errors["lines.0.quantity_kg"])
    assert "another person" in " ".join(errors["escort_id"])


def test_highly_toxic_waits_for_its_pass_and_warnings_are_kept(client, session, trip):
    """剧毒 cargo is no error: the waybill awaits the pass public security grants per trip (test_order29)."""
    trip.chemical.highly_toxic = True
    trip.chemical.explosive_precursor = True
    session.commit()
    response = submit(client, trip, trip.draft())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "awaiting_pass"
    messages = " ".join(w["message"] for w in response.get_json()["current"]["warnings"])
    assert "易制爆" in messages and "通行证" in messages


def test_mixed_loading_is_refused(client, session, trip):
    from app.services.ledger import lifecycle
    from app.services.ledger.posting import Actor
    from models import EntryKind
    from models.types import utcnow

    explosive = make_chemical(session, un_number="0081", name_en="EXPLOSIVE, BLASTING, TYPE A", hazard_class="1",
                              classification_code="1.1D")
    grant_permits(session, trip.shipper, PermitKind.SAFETY_PRODUCTION)
    shipper_user_id = session.scalar(select(LedgerEntry.actor_id).limit(1))
    lifecycle.introduce(session, Actor(shipper_user_id, trip.shipper.id), kind=EntryKind.PRODUCE, code="EXP-1",
                        chemical_id=explosive.id, site_id=trip.loading.id, quantity=Decimal("100"),
                        occurred_at=utcnow() - dt.timedelta(hours=1))
    # a van: explosives travel in a van body of at most 10 t rated load (道路危险货物运输管理规定 Art. 8)
    trip.tanker.kind, trip.tanker.hazard_classes = VehicleKind.VAN, ["1", "3"]
    trip.tanker.rated_load_kg = Decimal("10000")
    trip.driver.qualification_classes = trip.escort.qualification_classes = ["1", "3"]
    session.commit()
    explosive_batch = session.scalar(select(LedgerEntry.batch_id).where(LedgerEntry.batch_id != trip.batch.id))
    body = trip.draft()
    body["lines"][0]["quantity_kg"] = "9000"
    body["lines"].append({"batch_id": str(explosive_batch), "quantity_kg": "100", "packaging_kind": "box",
                          "packaging_count": 4})
    errors = errors_of(submit(client, trip, body))
    assert list(errors) == ["lines.1.batch_id"] and "ADR 7.5.2.1" in errors["lines.1.batch_id"][0]


@pytest.mark.parametrize("field", ["vehicle_id", "driver_id", "loading_site_id", "unloading_site_id"])
def test_unknown_references_are_404(client, session, trip, field):
    before = session.scalar(select(func.count()).select_from(LedgerEntry))
    response = client.post(API, json=trip.draft(**{field: str(uuid.uuid4())}), headers=trip.headers["shipper"])
    assert response.status_code == 404 and field in response.get_json()["errors"]
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == before


def test_another_enterprises_vehicle_or_batch_is_404(client, session, trip):
    other = make_carrier(session)
    foreign_vehicle = make_vehicle(session, other)
    foreign_escort = make_person(session, other, role=CrewRole.ESCORT)
    session.commit()
    for field, value in (("vehicle_id", foreign_vehicle.id), ("escort_id", foreign_escort.id)):
        response = client.post(API, json=trip.draft(**{field: str(value)}), headers=trip.headers["shipper"])
        assert response.status_code == 404, field
    body = trip.draft()
    body["lines"][0]["batch_id"] = str(trip.batch.id)
    outsider = client.post(API, json=body, headers=trip.headers["outsider"])
    assert outsider.status_code == 404 and "lines.0.batch_id" in outsider.get_json()["errors"]


@pytest.mark.parametrize("body, field", [
    ({"lines": [{"quantity_kg": "-5"}]}, "lines.0.quantity_kg"),
    ({"departure_earliest": "2026-01-01T08:00:00"}, "departure_earliest"),
    ({"emergency_contact": "call me"}, "emergency_contact"),
    ({"colour": "red"}, "colour"),
    ({"lines": [{}] * 51}, "lines"),
])
def test_malformed_bodies_are_422(client, trip, body, field):
    response = client.post(API, json=trip.draft(**body), headers=trip.headers["shipper"])
    assert field in errors_of(response)


def test_an_unknown_corridor_is_404_not_a_crash(client, trip):
    response = client.post(API, json=trip.draft(corridor_id=str(uuid.uuid4())), headers=trip.headers["shipper"])
    assert response.status_code == 404 and "corridor_id" in response.get_json()["errors"]
    waybill = client.post(API, json=trip.draft(), headers=trip.headers["shipper"]).get_json()
    client.post(f"{API}/{waybill['id']}/submit", json={"row_version": waybill["row_version"]},
                headers=trip.headers["shipper"])
    approve = client.post(f"{API}/{waybill['id']}/approve", json={"corridor_id": str(uuid.uuid4())},
                          headers=trip.headers["admin"])
    assert approve.status_code == 409  # issued: no pass to grant


def test_references_are_checked_together_and_each_reported(client, session, trip):
    """Every reference is looked up in one statement; each missing one still gets its own error."""
    corridor = Corridor(name="closed corridor", geojson={"type": "FeatureCollection", "features": []},
                        min_lon=121.0, min_lat=31.0, max_lon=121.1, max_lat=31.1, active=False)
    session.add(corridor)
    session.commit()
    body = trip.draft(consignee_id=str(uuid.uuid4()), carrier_id=str(uuid.uuid4()), corridor_id=str(corridor.id),
                      escort_id=str(trip.driver.id), unloading_site_id=str(trip.loading.id))
    response = client.post(API, json=body, headers=trip.headers["shipper"])
    assert response.status_code == 404
    assert response.get_json()["errors"] == {
        "consignee_id": ["no such enterprise"], "carrier_id": ["no such enterprise"],
        "corridor_id": ["no such active corridor"], "vehicle_id": ["no such vehicle of the carrier"],
        "driver_id": ["no such person of the carrier"], "escort_id": ["no such person of the carrier"],
        "unloading_site_id": ["no such site of the consignee"]}
