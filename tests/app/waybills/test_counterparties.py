"""The counterparty directory: a shipper finds its carrier, consignee and unloading sites through the API, as the
web form offers them, with nothing private (issue 15: the registry's lists came back empty to an enterprise)."""
from __future__ import annotations

API = "/api/v1/counterparties"


def test_a_shipper_finds_its_carrier_consignee_and_unloading_sites(client, trip):
    carriers = client.get(f"{API}?role=carrier", headers=trip.headers["shipper"])
    assert carriers.status_code == 200, carriers.get_json()
    assert [c["name"] for c in carriers.get_json()] == [trip.carrier.name]
    assert carriers.get_json()[0]["uscc"] == trip.carrier.uscc
    found = client.get(API, query_string={"name": trip.consignee.name[:4]}, headers=trip.headers["shipper"]).get_json()
    consignee = next(c for c in found if c["id"] == str(trip.consignee.id))
    assert [s["id"] for s in consignee["sites"]] == [str(trip.unloading.id)]
    assert set(consignee) == {"id", "name", "uscc", "roles", "sites"}
    assert set(consignee["sites"][0]) == {"id", "name", "kind", "address"}  # no coordinates, stock or people


def test_the_directory_lists_active_enterprises_to_every_reader_and_refuses_bad_filters(client, session, trip):
    trip.consignee.active = False
    session.commit()
    names = {c["name"] for c in client.get(API, headers=trip.headers["carrier"]).get_json()}
    assert trip.shipper.name in names and trip.consignee.name not in names
    assert client.get(API, headers=trip.headers["auditor"]).status_code == 200
    assert client.get(f"{API}?role=pirate", headers=trip.headers["shipper"]).status_code == 422
    assert client.get(API).status_code == 401
