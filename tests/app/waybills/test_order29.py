"""Waybills as Order 29 makes them: issued when every check passes, a pass only where one is required (剧毒
cargo, a corridor marked as needing one) granted by public security before departure, the national format's
content required where the rules require it, one vehicle and crew on one trip at a time."""
from __future__ import annotations

import datetime as dt

from app.services.users import create_user, issue_token
from models import Department, Role
from tests.app.waybills.test_lifecycle import API, post
from tests.factories import auth, make_vehicle


def _public_security(session) -> dict[str, str]:
    user = create_user(session, "ga-zhian-1", Role.SUPERVISOR, department=Department.PUBLIC_SECURITY)
    headers = auth(issue_token(session, user, ttl_days=1))
    session.commit()
    return headers


def _submitted(client, trip, **overrides) -> dict:
    created = post(client, trip, "shipper", API, trip.draft(**overrides))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    submitted = post(client, trip, "shipper", f"{API}/{body['id']}/submit", {"row_version": body["row_version"]})
    assert submitted.status_code == 200, submitted.get_json()
    return submitted.get_json()


def test_a_highly_toxic_waybill_waits_for_its_pass_and_departs_after_it(client, session, trip):
    trip.chemical.highly_toxic = True
    session.commit()
    waybill = _submitted(client, trip)
    assert waybill["status"] == "awaiting_pass" and waybill["pass_number"] is None
    url = f"{API}/{waybill['id']}"
    early = post(client, trip, "carrier", f"{url}/depart")
    assert early.status_code == 409 and early.get_json()["code"] == "illegal_transition"
    transport = post(client, trip, "supervisor", f"{url}/approve", {"pass_number": "锡公剧通 2026-0001"})
    assert transport.status_code == 403  # the transport department grants no pass
    police = _public_security(session)
    missing = client.post(f"{url}/approve", json={}, headers=police)
    assert missing.status_code == 422 and "pass_number" in missing.get_json()["errors"]
    granted = client.post(f"{url}/approve", json={"pass_number": "锡公剧通 2026-0001"}, headers=police)
    assert granted.status_code == 200, granted.get_json()
    assert granted.get_json()["status"] == "issued" and granted.get_json()["pass_number"] == "锡公剧通 2026-0001"
    departed = post(client, trip, "carrier", f"{url}/depart")
    assert departed.status_code == 200, departed.get_json()
    assert [e["to_status"] for e in departed.get_json()["events"]] == ["draft", "awaiting_pass", "issued",
                                                                       "in_transit"]


def test_a_corridor_marked_as_needing_a_pass_makes_the_waybill_wait_for_one(client, session, trip):
    line = {"type": "Feature", "properties": {"width_m": 200},
            "geometry": {"type": "LineString", "coordinates": [[120.3, 31.5], [120.4, 31.6]]}}
    corridor = client.post("/api/v1/corridors", headers=trip.headers["admin"], json={
        "name": "市区限行通道", "requires_pass": True, "geojson": {"type": "FeatureCollection", "features": [line]}})
    assert corridor.status_code == 201, corridor.get_json()
    assert corridor.get_json()["requires_pass"] is True
    waybill = _submitted(client, trip, corridor_id=corridor.get_json()["id"])
    assert waybill["status"] == "awaiting_pass"
    assert post(client, trip, "carrier", f"{API}/{waybill['id']}/depart").status_code == 409


def test_an_ordinary_waybill_is_issued_with_the_carriers_permit_number(client, trip):
    waybill = _submitted(client, trip)
    assert waybill["status"] == "issued"
    assert waybill["current"]["carrier_permit_number"]
    assert waybill["current"]["dispatched_on"] == str(dt.date.today())


def test_the_national_content_is_required_where_the_rules_require_it(client, session, trip):
    body = trip.draft(driver_phone=None, tank_number=None, vehicle_plate_colour="紫")
    assert post(client, trip, "shipper", API, body).status_code == 422  # not a plate colour
    body = trip.draft(driver_phone=None, tank_number=None)
    created = post(client, trip, "shipper", API, body).get_json()
    refused = post(client, trip, "shipper", f"{API}/{created['id']}/submit", {})
    assert refused.status_code == 422
    assert {"driver_phone", "tank_number"} <= set(refused.get_json()["errors"])
    trailer = make_vehicle(session, trip.carrier, plate="苏B9998挂", kind="tank_trailer",
                           inspection_valid_until=dt.date.today() + dt.timedelta(days=90))
    session.commit()
    change = {"driver_phone": "13900000009", "tank_number": "TK-9", "trailer_id": str(trailer.id)}
    fixed = client.patch(f"{API}/{created['id']}", json=change, headers=trip.headers["shipper"])
    assert fixed.status_code == 200, fixed.get_json()
    refused = post(client, trip, "shipper", f"{API}/{created['id']}/submit", {})
    assert set(refused.get_json()["errors"]) >= {"trailer_plate_colour", "trailer_transport_certificate"}


def test_a_vehicle_on_the_road_does_not_depart_under_a_second_waybill(client, session, trip):
    first = _submitted(client, trip)
    second = _submitted(client, trip)
    warned = [w for w in second["current"]["warnings"] if w["field"] == "vehicle_id"]
    assert warned and first["number"] in warned[0]["message"]  # planned windows overlap
    assert post(client, trip, "carrier", f"{API}/{first['id']}/depart").status_code == 200
    refused = post(client, trip, "carrier", f"{API}/{second['id']}/depart")
    assert refused.status_code == 409 and refused.get_json()["code"] == "vehicle_in_use"
    assert first["number"] in refused.get_json()["detail"]
    assert client.get(f"{API}/{second['id']}", headers=trip.headers["carrier"]).get_json()["status"] == "issued"


def test_waybills_of_one_declared_trip_depart_together(client, trip):
    first = _submitted(client, trip, shared_trip="车次 0612-A")
    second = _submitted(client, trip, shared_trip="车次 0612-A")
    assert not [w for w in second["current"]["warnings"] if w["field"] == "vehicle_id"]
    assert post(client, trip, "carrier", f"{API}/{first['id']}/depart").status_code == 200
    departed = post(client, trip, "carrier", f"{API}/{second['id']}/depart")
    assert departed.status_code == 200, departed.get_json()


def test_the_openapi_document_says_it(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/consignments", "/api/v1/counterparties"} <= set(spec["paths"])
    one = spec["paths"]["/api/v1/waybills/{waybill_id}"]
    assert "ETag" in one["get"]["responses"]["200"]["headers"]
    approve = spec["paths"]["/api/v1/waybills/{waybill_id}/approve"]["post"]
    assert "pass" in approve["description"].lower() or "pass" in approve.get("summary", "").lower()
    schemas = spec["components"]["schemas"]
    assert "pass_number" in schemas["ApproveIn"]["properties"] and "tank_number" in schemas["VersionOut"]["properties"]
