"""危险废物转移管理办法 (2021) steps on the manifest: the national number, the carrier's check before carriage,
the receiver's deadline, refusals and discrepancies raising alerts; the 名录 edition and admin-added codes."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.services.users import set_password
from app.services.waste.transfer_rules import add_working_days, sweep_receipts
from models import Alert, AlertKind, Batch, Role, WasteBatch, Waybill
from models.types import utcnow
from tests.app.test_http_contract import assert_problem
from tests.app.waste.conftest import WASTE
from tests.app.waste.test_manifests import ready_to_depart
from tests.factories import make_user
from tests.web.test_pages import PASSWORD, sign_in


def _alerts(session, problem):
    return list(session.scalars(select(Alert).where(Alert.kind == AlertKind.WASTE_TRANSFER,
                                                    Alert.key.endswith(f":{problem}"))))


@pytest.mark.parametrize("start, days, due", [
    ("2026-12-07T10:00", 5, "2026-12-14T10:00"),  # Monday: the next Monday
    ("2026-12-04T10:00", 5, "2026-12-11T10:00"),  # Friday: the next Friday (the weekend does not count)
    ("2026-12-05T10:00", 1, "2026-12-07T10:00"),  # Saturday: Monday
])
def test_working_days(start, days, due):
    assert add_working_days(dt.datetime.fromisoformat(start), days) == dt.datetime.fromisoformat(due)


def test_the_manifest_number_is_in_the_national_format(waste_world, session):
    """Year, the leaving place's province and prefecture (320205 锡山区 → 3202), a serial within them."""
    world = waste_world
    world.trip.loading.district_adcode = "320205"
    session.commit()
    world.generate()
    first, second = world.manifest().get_json(), world.manifest(lines=[{"batch": WASTE, "quantity_kg": "100"}])
    year = dt.date.today().year
    assert first["number"] == f"{year}3202000001" and second.get_json()["number"] == f"{year}3202000002"


def test_a_carrier_that_finds_the_waste_not_as_stated_refuses_carriage(waste_world, session):
    world = waste_world
    world.generate()
    manifest = world.manifest().get_json()
    url = f"waste-manifests/{manifest['id']}/carrier-check"
    assert world.call("post", url, "shipper", json={"matches": True}).status_code == 403
    assert_problem(world.call("post", url, "carrier", json={"matches": False}), 422)
    refused = world.call("post", url, "carrier", json={"matches": False, "note": "桶体破损, 数量 3 只而非 4 只"})
    assert refused.status_code == 200, refused.get_json()
    assert refused.get_json()["status"] == "rejected" and "承运人拒绝运输" in refused.get_json()["rejection_reason"]
    [alert] = _alerts(session, "carrier_refused")
    assert alert.enterprise_id == world.trip.shipper.id and alert.details["manifest"] == manifest["number"]
    assert_problem(world.call("post", url, "carrier", json={"matches": True}), 409)


def test_the_receivers_deadline_raises_an_alert_and_a_refusal_raises_one(waste_world, session):
    """Delivered ten days ago, not confirmed: past 5 working days, an alert (once); then refused: an alert."""
    world = waste_world
    world.generate()
    manifest, waybill = ready_to_depart(world, session)
    assert world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={}).status_code == 200
    assert world.call("post", f"waybills/{waybill['id']}/arrive", "carrier", json={}).status_code == 200
    shown = world.call("get", f"waste-manifests/{manifest['id']}").get_json()
    session.expire_all()
    delivered = session.get(Waybill, uuid.UUID(waybill["id"])).delivered_at
    assert shown["receipt_due"] == add_working_days(delivered, 5).isoformat()
    assert sweep_receipts(session, now=delivered + dt.timedelta(days=1)).overdue == 0
    late = delivered + dt.timedelta(days=10)
    report = sweep_receipts(session, now=late)
    assert report.overdue == 1 and len(report.changes) == 1
    assert sweep_receipts(session, now=late).changes == []
    session.commit()
    [overdue] = _alerts(session, "receipt_overdue")
    assert overdue.details["working_days"] == 5
    world.call("post", f"waste-manifests/{manifest['id']}/reject", "consignee", json={"reason": "包装泄漏"})
    assert [a.details["reason"] for a in _alerts(session, "refused")] == ["包装泄漏"]


def test_declarations_carry_the_edition_and_made_up_codes_need_an_administrator(waste_world, session):
    world = waste_world
    made_up = assert_problem(world.generate(waste_code="999-999-08", waste_characteristics=["T"]), 422)
    assert "waste_code" in made_up["errors"]
    body = {"code": "999-999-08", "characteristics": ["T", "I"], "description_zh": "经鉴别的含油废物",
            "edition": "2025", "reason": "鉴别报告 JB-2026-001 (名录 2025 第六条)"}
    assert_problem(world.call("post", "waste-codes", "shipper", json=body), 403)
    added = world.call("post", "waste-codes", "admin", json=body)
    assert added.status_code == 201, added.get_json()
    assert_problem(world.call("post", "waste-codes", "admin", json=body), 409)
    assert_problem(world.call("post", "waste-codes", "admin", json={**body, "code": "900-041-49"}), 409)
    assert world.generate(waste_code="999-999-08", waste_characteristics=["T"]).status_code == 201
    profile = session.get(WasteBatch, session.scalars(select(Batch.id).where(Batch.code == WASTE)).one())
    assert profile.catalogue_edition == "2025"
    trace = world.call("get", f"batches/{WASTE}/trace", "auditor").get_json()
    waste = trace["batches"][0]["waste"]
    assert (waste["catalogue_edition"], waste["code_added_by_admin"], waste["code_verified_in_edition"]) == (
        "2025", True, True)
    listed = {c["code"] for c in world.call("get", "waste-codes", "auditor").get_json()}
    assert {"999-999-08", "900-041-49"} <= listed


def test_a_shipped_code_is_marked_as_verified_against_2021_only(waste_world, session):
    world = waste_world
    world.generate(days_ago=0.1)
    # Generated when the 2021 edition was in force (before 2025-01-01).
    world.generate(code="OLD-1", days_ago=(utcnow() - dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)).days)
    trace = world.call("get", f"batches/{WASTE}/trace", "auditor").get_json()
    now = trace["batches"][0]["waste"]
    assert (now["catalogue_edition"], now["code_verified_editions"], now["code_verified_in_edition"]) == (
        "2025", ["2021"], False)
    before = world.call("get", "batches/OLD-1/trace", "auditor").get_json()["batches"][0]["waste"]
    assert (before["catalogue_edition"], before["code_verified_in_edition"]) == ("2021", True)


def test_the_waste_trace_page_shows_the_declaration_and_the_manifests(waste_world, session, client):
    """As the JSON does: code, category, characteristics, edition, and each manifest with its quantities."""
    world = waste_world
    world.generate()
    manifest = world.manifest().get_json()
    auditor, _ = make_user(session, Role.AUDITOR)
    set_password(session, auditor, PASSWORD)
    session.commit()
    sign_in(client, auditor)
    page = client.get(f"/trace/{WASTE}").get_data(as_text=True)
    section = page[page.index('id="trace-waste"'):]
    for shown in ("900-404-06", "HW06", "废有机溶剂与含有机溶剂废物", "T, I", "2025", manifest["number"], "800.000 kg"):
        assert shown in section, shown
