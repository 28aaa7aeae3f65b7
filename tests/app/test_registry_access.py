"""Who may do what with sites, vehicles, personnel, chemicals and enterprises (the authorisation matrix)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from models import Role
from tests.factories import (
    auth, make_carrier, make_chemical, make_enterprise, make_person, make_site, make_user, make_vehicle,
    valid_national_id, valid_plate,
)


@dataclass(frozen=True)
class Owned:
    path: str
    owner_field: str
    make: Callable[..., Any]
    payload: Callable[[], dict[str, Any]]
    patch: dict[str, Any]


OWNED = [
    Owned("sites", "enterprise_id", make_site,
          lambda: {"name": "东港仓库", "kind": "warehouse", "lon": 120.45, "lat": 31.62, "capacity_kg": "50000.000"},
          {"name": "东港二号仓库"}),
    Owned("vehicles", "carrier_id", make_vehicle,
          lambda: {"plate": valid_plate(), "kind": "tank", "hazard_classes": ["3"], "rated_load_kg": "31000",
                   "tank_media": ["1203", "1230"], "gps_terminal_id": "013912345678",
                   "inspection_valid_until": "2027-03-31"},
          {"hazard_classes": ["3", "8"]}),
    Owned("personnel", "employer_id", make_person,
          lambda: {"role": "driver", "name": "王师傅", "certificate_number": "320205000123",
                   "national_id": valid_national_id(), "qualification_classes": ["2", "3"],
                   "valid_until": "2030-01-31"},
          {"qualification_classes": ["3"]}),
]
IDS = [o.path for o in OWNED]


@pytest.fixture
def carriers(session):
    """Two carriers with one record of each kind, and a token for each carrier's user."""
    own, other = make_carrier(session), make_carrier(session)
    return {"own": own, "other": other,
            "own_token": make_user(session, Role.ENTERPRISE, enterprise=own)[1]}


@pytest.mark.parametrize("res", OWNED, ids=IDS)
def test_enterprise_user_registers_for_itself(client, session, carriers, res):
    response = client.post(f"/api/v1/{res.path}", json=res.payload(), headers=auth(carriers["own_token"]))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()[res.owner_field] == str(carriers["own"].id)


@pytest.mark.parametrize("res", OWNED, ids=IDS)
def test_enterprise_user_cannot_register_for_another(client, session, carriers, res):
    body = {**res.payload(), res.owner_field: str(carriers["other"].id)}
    response = client.post(f"/api/v1/{res.path}", json=body, headers=auth(carriers["own_token"]))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {res.owner_field}


@pytest.mark.parametrize("res", OWNED, ids=IDS)
def test_enterprise_user_edits_only_its_own(client, session, carriers, res):
    mine, theirs = res.make(session, carriers["own"]), res.make(session, carriers["other"])
    headers = auth(carriers["own_token"])
    url = f"/api/v1/{res.path}"
    assert client.patch(f"{url}/{mine.id}", json=res.patch, headers=headers).status_code == 200
    for call in (lambda: client.get(f"{url}/{theirs.id}", headers=headers),
                 lambda: client.patch(f"{url}/{theirs.id}", json=res.patch, headers=headers),
                 lambda: client.post(f"{url}/{theirs.id}/deactivate", headers=headers)):
        assert call().status_code == 404
    assert theirs.active
    assert [r["id"] for r in client.get(url, headers=headers).get_json()] == [str(mine.id)]
    deactivated = client.post(f"{url}/{mine.id}/deactivate", headers=headers)
    assert deactivated.status_code == 200 and deactivated.get_json()["active"] is False


@pytest.mark.parametrize("res", OWNED, ids=IDS)
def test_owner_cannot_be_changed(client, session, carriers, res):
    mine = res.make(session, carriers["own"])
    response = client.patch(f"/api/v1/{res.path}/{mine.id}", json={res.owner_field: str(carriers["other"].id)},
                            headers=auth(carriers["own_token"]))
    assert response.status_code == 422 and res.owner_field in response.get_json()["errors"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
@pytest.mark.parametrize("res", OWNED, ids=IDS)
def test_authorities_read_all_and_write_nothing(client, session, carriers, res, role):
    records = [res.make(session, carriers["own"]), res.make(session, carriers["other"])]
    _user, token = make_user(session, role)
    listed = client.get(f"/api/v1/{res.path}", headers=auth(token))
    assert {r["id"] for r in listed.get_json()} >= {str(r.id) for r in records}
    assert client.get(f"/api/v1/{res.path}/{records[1].id}", headers=auth(token)).status_code == 200
    body = {**res.payload(), res.owner_field: str(carriers["own"].id)}
    assert client.post(f"/api/v1/{res.path}", json=body, headers=auth(token)).status_code == 403
    assert client.patch(f"/api/v1/{res.path}/{records[0].id}", json=res.patch,
                        headers=auth(token)).status_code == 403


@pytest.mark.parametrize("res", OWNED, ids=IDS)
def test_admin_registers_for_any_active_enterprise(client, session, carriers, res):
    _user, token = make_user(session, Role.ADMIN)
    body = {**res.payload(), res.owner_field: str(carriers["other"].id)}
    assert client.post(f"/api/v1/{res.path}", json=body, headers=auth(token)).status_code == 201
    missing = client.post(f"/api/v1/{res.path}", json=res.payload(), headers=auth(token))
    assert missing.status_code == 422 and missing.get_json()["errors"] == {res.owner_field: ["required"]}
    carriers["other"].active = False
    session.flush()
    inactive = client.post(f"/api/v1/{res.path}", json={**res.payload(), res.owner_field: str(carriers["other"].id)},
                           headers=auth(token))
    assert inactive.status_code == 422 and "inactive" in inactive.get_json()["errors"][res.owner_field][0]


# --- catalogue and enterprises: admin edits, the rest read -------------------------------------------------------
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE])
def test_only_admin_edits_the_catalogue(client, session, role):
    chemical = make_chemical(session)
    _user, token = make_user(session, role)
    assert client.get("/api/v1/chemicals?q=1230", headers=auth(token)).status_code == 200
    assert client.get(f"/api/v1/chemicals/{chemical.id}", headers=auth(token)).status_code == 200
    assert client.post("/api/v1/chemicals", json={"name_zh": "甲醇"}, headers=auth(token)).status_code == 403
    assert client.patch(f"/api/v1/chemicals/{chemical.id}", json={"highly_toxic": True},
                        headers=auth(token)).status_code == 403
    assert client.post(f"/api/v1/chemicals/{chemical.id}/deactivate", headers=auth(token)).status_code == 403
    assert not chemical.highly_toxic and chemical.active


def test_admin_edits_the_catalogue(client, session):
    _user, token = make_user(session, Role.ADMIN)
    created = client.post("/api/v1/chemicals", json={
        "un_number": "1017", "name_zh": "液氯", "name_en": "CHLORINE", "hazard_class": "2",
        "classification_code": "2TOC", "tunnel_code": "C/D", "cas_numbers": ["7782-50-5"],
        "key_supervised": True, "major_hazard_threshold_t": "5"}, headers=auth(token))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["source"] == "manual" and body["major_hazard_threshold_t"] == "5.000"
    changed = client.patch(f"/api/v1/chemicals/{body['id']}", json={"control_level": "restricted"},
                           headers=auth(token))
    assert changed.get_json()["control_level"] == "restricted"


def test_enterprise_admin_update_deactivate_and_filters(client, session):
    _user, token = make_user(session, Role.ADMIN)
    carrier = make_enterprise(session, name="江阴测试运输有限公司", roles=["carrier"], district_adcode="320281")
    make_enterprise(session, name="无锡测试化工", roles=["producer", "user"], district_adcode="320205")
    listed = client.get("/api/v1/enterprises?role=carrier&district=320281&q=测试运输", headers=auth(token))
    assert [e["id"] for e in listed.get_json()] == [str(carrier.id)]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert client.get("/api/v1/enterprises?role=user&q=测试运输", headers=auth(token)).get_json() == []
    patched = client.patch(f"/api/v1/enterprises/{carrier.id}", json={"address": "江阴市临港街道"},
                           headers=auth(token))
    assert patched.get_json()["address"] == "江阴市临港街道"
    assert client.post(f"/api/v1/enterprises/{carrier.id}/deactivate", headers=auth(token)).status_code == 200
    inactive = client.get("/api/v1/enterprises?active=false&q=测试运输", headers=auth(token)).get_json()
    assert [e["id"] for e in inactive] == [str(carrier.id)]


def test_enterprise_user_cannot_edit_enterprises(client, session):
    own = make_enterprise(session)
    _user, token = make_user(session, Role.ENTERPRISE, enterprise=own)
    assert client.patch(f"/api/v1/enterprises/{own.id}", json={"name": "x"}, headers=auth(token)).status_code == 403
    assert client.post(f"/api/v1/enterprises/{own.id}/deactivate", headers=auth(token)).status_code == 403
