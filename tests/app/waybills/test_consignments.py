"""The shipper's consignment list (托运清单) and the carrier's waybill made from it, issued without approval
(Order 29 Art. 22, 24)."""
from __future__ import annotations

import re

from tests.app.waybills.conftest import NATIONAL
from tests.app.waybills.test_lifecycle import API, post

LISTS = "/api/v1/consignments"
EMERGENCY = {"hazards": "易燃液体，蒸气与空气可形成爆炸性混合物；有毒", "first_aid": "脱离现场至空气新鲜处；误服饮水催吐并就医",
             "spill_response": "切断火源，围堤收容，用泡沫覆盖降低蒸气", "fire_response": "抗溶性泡沫、干粉、二氧化碳灭火"}


def consignment(trip, **overrides) -> dict:
    body = {"carrier_id": str(trip.carrier.id), "consignee_id": str(trip.consignee.id),
            "loading_site_id": str(trip.loading.id), "unloading_site_id": str(trip.unloading.id),
            "shipper_contact": "0510-88880001", "consignee_contact": "0510-88880002", "loader_name": "锡山装卸班组",
            "loader_contact": "0510-88880003", "emergency_phone": "0510-86801119",
            "lines": [{"batch_id": str(trip.batch.id), "quantity_kg": "10000", "packaging_kind": "tank",
                       "packaging_count": 1, **EMERGENCY}]}
    body.update(overrides)
    return body


def test_the_carrier_makes_the_waybill_from_the_shippers_list_and_it_is_issued(client, trip):
    listed = post(client, trip, "shipper", LISTS, consignment(trip))
    assert listed.status_code == 201, listed.get_json()
    body = listed.get_json()
    assert re.fullmatch(r"TQ\d{8}-[0-9A-Z]{6}", body["number"])
    assert (body["lines"][0]["un_number"], body["lines"][0]["hazard_class"]) == ("1230", "3")
    for who in ("carrier", "consignee", "supervisor"):
        assert client.get(f"{LISTS}/{body['id']}", headers=trip.headers[who]).status_code == 200
    assert client.get(f"{LISTS}/{body['id']}", headers=trip.headers["outsider"]).status_code == 404
    assert client.get(LISTS, headers=trip.headers["outsider"]).get_json() == []

    draft = trip.draft()
    crew = {name: draft[name] for name in ("vehicle_id", "driver_id", "escort_id", "departure_earliest",
                                           "departure_latest")}
    carrier_part = {name: value for name, value in NATIONAL.items() if name not in (
        "shipper_contact", "consignee_contact")}
    made = {"consignment_id": body["id"], **crew, **carrier_part,
            "tank_inspection_valid_until": draft["tank_inspection_valid_until"]}
    assert post(client, trip, "shipper", API, made).status_code == 403  # the carrier makes it
    created = post(client, trip, "carrier", API, made)
    assert created.status_code == 201, created.get_json()
    waybill = created.get_json()
    assert (waybill["shipper_id"], waybill["consignee_id"], waybill["consignment_id"]) == (
        str(trip.shipper.id), str(trip.consignee.id), body["id"])
    current = waybill["current"]
    assert (current["loader_name"], current["emergency_contact"]) == ("锡山装卸班组", "0510-86801119")
    assert current["lines"][0]["quantity_kg"] == "10000.000"
    issued = post(client, trip, "carrier", f"{API}/{waybill['id']}/submit", {})
    assert issued.status_code == 200, issued.get_json()
    assert issued.get_json()["status"] == "issued"


def test_a_list_names_only_real_parties_and_the_shippers_batches(client, session, trip):
    refused = post(client, trip, "shipper", LISTS, consignment(trip, carrier_id=str(trip.consignee.id)))
    assert refused.status_code == 404 and "carrier_id" in refused.get_json()["errors"]
    missing = post(client, trip, "shipper", LISTS, consignment(trip, lines=[{"batch_id": str(trip.batch.id)}]))
    assert missing.status_code == 422 and "lines.0.first_aid" in missing.get_json()["errors"]
    body = consignment(trip, consignee_id=str(trip.shipper.id), unloading_site_id=None, loading_site_id=None)
    other = post(client, trip, "consignee", LISTS, body)
    assert other.status_code == 404 and "lines.0.batch_id" in other.get_json()["errors"]
