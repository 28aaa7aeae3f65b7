"""Bad input on every registry POST and PATCH is a 422 naming the fields, and writes nothing."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from models import Chemical, Enterprise, Person, Role, Site, Vehicle
from tests.factories import (
    auth, make_carrier, make_chemical, make_enterprise, make_person, make_site, make_user, make_vehicle,
    valid_national_id, valid_uscc,
)

VALID = {
    "enterprises": lambda: {"name": "无锡测试化工", "uscc": valid_uscc(), "roles": ["producer"]},
    "chemicals": lambda: {"un_number": "1230", "name_zh": "甲醇", "hazard_class": "3", "cas_numbers": ["67-56-1"]},
    "sites": lambda: {"name": "仓库", "kind": "warehouse", "lon": 120.4, "lat": 31.6},
    "vehicles": lambda: {"plate": "苏B1X345", "kind": "tank", "rated_load_kg": "30000", "tank_media": ["1230"]},
    "personnel": lambda: {"role": "escort", "name": "李押运", "certificate_number": "Y123", "valid_until": "2030-01-01",
                          "national_id": valid_national_id()},
}
MODELS = {"enterprises": Enterprise, "chemicals": Chemical, "sites": Site, "vehicles": Vehicle, "personnel": Person}

BAD = [
    ("enterprises", {"uscc": "91330100799655058C", "roles": ["alchemist"]}, {"uscc", "roles.0"}),
    ("enterprises", {"district_adcode": "3202", "active": False}, {"district_adcode", "active"}),
    ("chemicals", {"un_number": "UN1230", "cas_numbers": ["67-56-2"]}, {"un_number", "cas_numbers.0"}),
    ("chemicals", {"hazard_class": "6", "tunnel_code": "F", "packing_group": "IV"},
     {"hazard_class", "tunnel_code", "packing_group"}),
    ("chemicals", {"name_zh": None}, {"name_zh"}),                        # no name at all
    ("chemicals", {"highly_toxic": "maybe", "catalogue_serial": 2829}, {"highly_toxic", "catalogue_serial"}),
    ("chemicals", {"major_hazard_threshold_t": "0.0005"}, {"major_hazard_threshold_t"}),
    ("sites", {"lon": 181, "lat": "north", "kind": "garage"}, {"lon", "lat", "kind"}),
    ("sites", {"capacity_kg": "-1", "name": ""}, {"capacity_kg", "name"}),
    ("vehicles", {"plate": "港B12345", "rated_load_kg": "NaN"}, {"plate", "rated_load_kg"}),
    ("vehicles", {"gps_terminal_id": "139-1234", "hazard_classes": ["3", "10"]},
     {"gps_terminal_id", "hazard_classes.1"}),
    ("vehicles", {"rated_load_kg": "1.0001", "inspection_valid_until": "2027-02-30"},
     {"rated_load_kg", "inspection_valid_until"}),
    ("vehicles", {"kind": "van"}, {"tank_media"}),                       # only tanks carry tank media
    ("vehicles", {"kind": "tank_trailer"}, {"plate"}),                   # a trailer needs a 挂 plate
    ("personnel", {"national_id": "110105194912310021", "role": "pilot"}, {"national_id", "role"}),
    ("personnel", {"qualification_classes": "3", "valid_until": 20300101}, {"qualification_classes", "valid_until"}),
]


@pytest.fixture
def admin(session):
    carrier = make_carrier(session)
    return auth(make_user(session, Role.ADMIN)[1]), carrier


def _count(session, path) -> int:
    return session.scalar(select(func.count()).select_from(MODELS[path]))


def _body(path, carrier, **fields):
    body = VALID[path]()
    if path in ("sites", "vehicles", "personnel"):
        body[{"sites": "enterprise_id", "vehicles": "carrier_id", "personnel": "employer_id"}[path]] = str(carrier.id)
    body.update(fields)
    return body


@pytest.mark.parametrize("path", VALID)
def test_the_valid_payloads_are_accepted(client, session, admin, path):
    headers, carrier = admin
    response = client.post(f"/api/v1/{path}", json=_body(path, carrier), headers=headers)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("path, fields, error_fields", BAD, ids=[f"{p}-{'-'.join(sorted(e))}" for p, _f, e in BAD])
def test_bad_post_is_422_with_field_errors(client, session, admin, path, fields, error_fields):
    headers, carrier = admin
    before = _count(session, path)
    response = client.post(f"/api/v1/{path}", json=_body(path, carrier, **fields), headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == error_fields
    assert _count(session, path) == before


@pytest.mark.parametrize("path, make, changes, error_fields", [
    ("enterprises", lambda s, c: make_enterprise(s), {"uscc": "bad", "colour": "red"}, {"uscc", "colour"}),
    ("chemicals", lambda s, c: make_chemical(s), {"cas_numbers": ["7664-41-8"]}, {"cas_numbers.0"}),
    ("sites", lambda s, c: make_site(s, c), {"lat": 91}, {"lat"}),
    ("vehicles", lambda s, c: make_vehicle(s, c), {"kind": "van"}, {"tank_media"}),
    ("vehicles", lambda s, c: make_vehicle(s, c), {"plate": "苏B1234挂"}, {"plate"}),
    ("personnel", lambda s, c: make_person(s, c), {"national_id": "11010519491231002Y"}, {"national_id"}),
])
def test_bad_patch_is_422_and_changes_nothing(client, session, admin, path, make, changes, error_fields):
    headers, carrier = admin
    record = make(session, carrier)
    before = client.get(f"/api/v1/{path}/{record.id}", headers=headers).get_json()
    response = client.patch(f"/api/v1/{path}/{record.id}", json=changes, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["errors"]) == error_fields
    assert client.get(f"/api/v1/{path}/{record.id}", headers=headers).get_json() == before


def test_duplicate_plate_and_uscc_are_409(client, session, admin):
    headers, carrier = admin
    vehicle = make_vehicle(session, carrier)
    duplicate = client.post("/api/v1/vehicles", json=_body("vehicles", carrier, plate=vehicle.plate), headers=headers)
    assert duplicate.status_code == 409 and duplicate.get_json()["errors"] == {"plate": ["already registered"]}
    other = make_enterprise(session)
    taken = client.patch(f"/api/v1/enterprises/{other.id}", json={"uscc": carrier.uscc}, headers=headers)
    assert taken.status_code == 409


def test_vehicles_and_crews_belong_to_carriers(client, session, admin):
    headers, _carrier = admin
    producer = make_enterprise(session, roles=["producer"])
    for path, field in (("vehicles", "carrier_id"), ("personnel", "employer_id")):
        response = client.post(f"/api/v1/{path}", json=_body(path, producer), headers=headers)
        assert response.status_code == 422 and "carrier role" in response.get_json()["errors"][field][0]


def test_plates_are_stored_normalized(client, session, admin):
    headers, carrier = admin
    body = _body("vehicles", carrier, plate="苏b·1234挂", kind="tank_trailer")
    assert client.post("/api/v1/vehicles", json=body, headers=headers).get_json()["plate"] == "苏B1234挂"


def test_national_id_is_never_returned_nor_stored_in_full(client, session, admin):
    headers, carrier = admin
    number = "320205199001011237"
    body = _body("personnel", carrier, national_id=number)
    created = client.post("/api/v1/personnel", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["national_id_masked"] == "3202**********1237"
    listed = client.get("/api/v1/personnel", headers=headers)
    for text in (created.get_data(as_text=True), listed.get_data(as_text=True)):
        assert number not in text and "hash" not in text
    person = session.get(Person, uuid.UUID(created.get_json()["id"]))
    assert number not in (person.national_id_hash, person.national_id_masked)
    algorithm, iterations, salt, digest = person.national_id_hash.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 100_000 and len(salt) == 32


def test_chemical_search_by_name_un_or_cas(client, session, admin):
    headers, _carrier = admin
    methanol = make_chemical(session, un_number="1230", name_zh="甲醇", name_en="METHANOL", cas_numbers=["67-56-1"])
    make_chemical(session, un_number="1203", name_zh="汽油", name_en="GASOLINE", cas_numbers=["86290-81-5"])
    for q in ("甲醇", "methanol", "UN1230", "1230", "67-56-1"):
        found = client.get("/api/v1/chemicals", query_string={"q": q}, headers=headers).get_json()
        assert [c["id"] for c in found] == [str(methanol.id)], q
    assert client.get("/api/v1/chemicals?q=%25", headers=headers).get_json() == []  # no wildcard injection


def test_nul_characters_are_bad_input_not_a_server_error(client, session, admin):
    headers, carrier = admin
    response = client.post("/api/v1/sites", json=_body("sites", carrier, name="仓\u0000库"), headers=headers)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"name"}
    assert client.get("/api/v1/chemicals?q=%00", headers=headers).status_code == 422
