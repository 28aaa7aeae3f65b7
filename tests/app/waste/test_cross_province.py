"""``/api/v1/waste-transfer-approvals``: who records a province's approval, who sees it, and bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import WasteTransferApproval
from tests.app.test_http_contract import assert_problem
from tests.app.waste.test_waste_hand_worked import approval_body, approve, ecology_headers

URL = "/api/v1/waste-transfer-approvals"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(WasteTransferApproval))


@pytest.mark.parametrize("who", ["supervisor", "shipper", "auditor"])
def test_only_the_ecology_department_or_an_administrator_records_an_approval(waste_world, session, who):
    """The transport department's supervisor, the generator itself and an auditor may not (the 办法 gives it to the
    province's 生态环境主管部门, Art. 21)."""
    world = waste_world
    assert_problem(world.client.post(URL, headers=world.trip.headers[who], json=approval_body(world)), 403)
    assert count(session) == 0
    assert world.client.post(URL, headers=world.trip.headers["admin"], json=approval_body(world)).status_code == 201


def test_an_enterprise_sees_the_approvals_naming_it_and_404_for_others(waste_world, session):
    world = waste_world
    approval = approve(world, session)
    for who in ("shipper", "consignee", "supervisor", "auditor"):
        assert [a["id"] for a in world.call("get", "waste-transfer-approvals", who).get_json()] == [approval["id"]]
        assert world.call("get", f"waste-transfer-approvals/{approval['id']}", who).status_code == 200
    assert world.call("get", "waste-transfer-approvals", "outsider").get_json() == []
    assert_problem(world.call("get", f"waste-transfer-approvals/{approval['id']}", "outsider"), 404)
    assert approval["wastes"] == [{"code": "900-404-06", "quantity_kg": "1000.000"}]


@pytest.mark.parametrize("change, field", [
    ({"destination_province": "32"}, "destination_province"),
    ({"origin_province": "3"}, "origin_province"),
    ({"origin_province": "0A"}, "origin_province"),
    ({"wastes": []}, "wastes"),
    ({"wastes": [{"code": "900-404-6", "quantity_kg": "1"}]}, "wastes.900-404-6"),
    ({"wastes": [{"code": "900-404-06", "quantity_kg": "0"}]}, "wastes.0.quantity_kg"),
    ({"wastes": [{"code": "900-404-06", "quantity_kg": "1"}, {"code": "900-404-06", "quantity_kg": "2"}]}, "wastes"),
    ({"disposal_method": "D16"}, "disposal_method"),
    ({"valid_from": "2026-05-01", "valid_to": "2026-04-30"}, "valid_to"),
    ({"generator_id": "00000000-0000-0000-0000-000000000000"}, "generator_id"),
    ({"number": "bad\u0000"}, "number"),
])
def test_bad_approvals_are_422_and_write_nothing(waste_world, session, change, field):
    world = waste_world
    body = assert_problem(world.client.post(URL, headers=ecology_headers(session), json=approval_body(world, **change)),
                          422)
    assert field in body["errors"], body
    assert count(session) == 0


def test_an_approval_number_is_recorded_once(waste_world, session):
    world = waste_world
    approve(world, session)
    body = assert_problem(world.client.post(URL, headers=ecology_headers(session), json=approval_body(world)), 409)
    assert "number" in body["errors"] and count(session) == 1


def test_a_receiver_without_a_valid_waste_permit_gets_no_approval(waste_world, session):
    world = waste_world
    world.permit.revoked = True
    session.commit()
    body = assert_problem(world.client.post(URL, headers=ecology_headers(session), json=approval_body(world)), 422)
    assert "disposer_id" in body["errors"] and count(session) == 0


def test_another_generators_approval_is_not_taken(waste_world, session):
    """An approval names its 移出人 (Art. 27): another generator's number is 'no such approval of the generator'."""
    world = waste_world
    world.trip.loading.district_adcode, world.trip.unloading.district_adcode = "320205", "330110"
    session.commit()
    world.generate()
    number = approve(world, session, generator_id=str(world.trip.carrier.id))["number"]
    body = assert_problem(world.manifest(cross_province_approval=number), 422)
    assert "no such approval of the generator" in body["errors"]["cross_province_approval"]
