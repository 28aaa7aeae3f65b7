"""Hazardous waste from generation to disposal: declaration, manifest, waybill, receipt, disposal, trace."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Batch, LedgerEntry, WasteBatch, WasteManifest
from tests.app.test_http_contract import assert_problem
from tests.app.waste.conftest import WASTE


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def waybill_for(world, session, manifest: dict, kg: str = "800") -> dict:
    """An issued waybill carrying *kg* of the waste from the generator to the disposer under *manifest*."""
    waste = session.scalars(select(Batch).where(Batch.code == WASTE, Batch.producer_id == world.trip.shipper.id)).one()
    body = world.trip.draft(lines=[{"batch_id": str(waste.id), "quantity_kg": kg, "packaging_kind": "tank",
                                    "packaging_count": 1}], waste_manifest_number=manifest["number"])
    created = world.call("post", "waybills", json=body)
    assert created.status_code == 201, created.get_json()
    url = f"waybills/{created.get_json()['id']}"
    submitted = world.call("post", f"{url}/submit", json={"row_version": created.get_json()["row_version"]})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "issued"
    return submitted.get_json()


def ready_to_depart(world, session) -> tuple[dict, dict]:
    """A manifest of the generated waste and its issued waybill, linked and checked by the carrier."""
    manifest = world.manifest().get_json()
    waybill = waybill_for(world, session, manifest)
    assert world.call("post", f"waste-manifests/{manifest['id']}/waybill", json={"waybill_id": waybill["id"]}
                      ).status_code == 200
    world.call("post", f"waste-manifests/{manifest['id']}/carrier-check", "carrier", json={"matches": True})
    return manifest, waybill


def test_a_waste_waybill_names_its_transfer_manifest(waste_world, session):
    """Issue 15: a waybill carrying hazardous waste without the number of its transfer manifest is refused."""
    world = waste_world
    world.generate()
    waste = session.scalars(select(Batch).where(Batch.code == WASTE)).one()
    lines = [{"batch_id": str(waste.id), "quantity_kg": "800", "packaging_kind": "tank", "packaging_count": 1}]
    for number, message in ((None, "is required"), ("ZY20260101-XXXXXX", "no transfer manifest")):
        created = world.call("post", "waybills", json=world.trip.draft(lines=lines, waste_manifest_number=number))
        refused = world.call("post", f"waybills/{created.get_json()['id']}/submit", json={})
        assert refused.status_code == 422, refused.get_json()
        assert message in " ".join(refused.get_json()["errors"]["waste_manifest_number"])


def test_the_waste_chain_from_generation_to_disposal_reconciles(waste_world, session):
    world = waste_world
    generated = world.generate()
    assert generated.status_code == 201, generated.get_json()
    profile = session.get(WasteBatch, session.scalars(select(Batch.id).where(Batch.code == WASTE)).one())
    assert (profile.category, profile.code, profile.characteristics) == ("HW06", "900-404-06", ["T", "I"])

    created = world.manifest()
    assert created.status_code == 201, created.get_json()
    manifest = created.get_json()
    assert re.fullmatch(r"\d{4}0000\d{6}", manifest["number"]) and manifest["status"] == "created"
    assert manifest["lines"] == [{"line_no": 1, "batch": WASTE, "waste_category": "HW06", "waste_code": "900-404-06",
                                  "waste_category_name": "废有机溶剂与含有机溶剂废物", "waste_catalogue_edition": "2025",
                                  "waste_characteristics": ["T", "I"], "quantity_kg": "800.000", "received_kg": None}]
    url = f"waste-manifests/{manifest['id']}"
    waybill = waybill_for(world, session, manifest)
    assert world.call("post", f"{url}/waybill", "carrier", json={"waybill_id": waybill["id"]}).status_code == 403
    linked = world.call("post", f"{url}/waybill", json={"waybill_id": waybill["id"]})
    assert linked.status_code == 200 and linked.get_json()["waybill_id"] == waybill["id"]

    unchecked = assert_problem(world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={}), 409)
    assert unchecked["code"] == "carrier_check_missing"
    checked = world.call("post", f"{url}/carrier-check", "carrier", json={"matches": True})
    assert checked.status_code == 200 and checked.get_json()["carrier_checked_at"], checked.get_json()
    assert world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={}).status_code == 200
    assert world.call("get", url).get_json()["status"] == "in_transit"
    early = assert_problem(world.call("post", f"{url}/receive", "consignee", json={}), 409)
    assert early["code"] == "not_delivered"
    arrived = world.call("post", f"waybills/{waybill['id']}/arrive", "carrier", json={"delivered": {"1": "799.5"}})
    assert arrived.status_code == 200, arrived.get_json()
    assert world.call("post", f"{url}/receive", "shipper", json={}).status_code == 403
    received = world.call("post", f"{url}/receive", "consignee", json={})
    assert received.status_code == 200, received.get_json()
    assert received.get_json()["lines"][0]["received_kg"] == "799.500"
    assert received.get_json()["discrepancy"] == f"line 1 ({WASTE}): 800.000 kg stated, 799.500 kg received"
    disposed = world.call("post", f"{url}/dispose", "consignee", json={})
    assert disposed.status_code == 200, disposed.get_json()
    assert [(e["from_status"], e["to_status"]) for e in disposed.get_json()["events"]] == [
        (None, "created"), ("created", "created"), ("created", "in_transit"), ("in_transit", "received"),
        ("received", "disposed")]
    dispose_entry = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "dispose")).one()
    assert dispose_entry.document_ref == manifest["number"] and str(dispose_entry.quantity) == "799.500"

    trace = world.call("get", f"batches/{WASTE}/trace", "auditor").get_json()
    [batch] = trace["batches"]
    assert batch["reconciles"] is True
    assert batch["in_kg"] == {"produced": "2000.000"}
    assert batch["out_kg"] == {"disposed": "799.500", "loss": "0.500"}
    assert [h["kg"] for h in batch["on_hand"]] == ["1200.000"]  # still stored at the generator
    assert batch["waste"]["code"] == "900-404-06"
    assert [m["number"] for m in batch["waste"]["manifests"]] == [manifest["number"]]
    assert [e["kind"] for e in trace["entries"]] == ["generate_waste", "load", "unload", "loss", "dispose"]
    assert {waybill["number"], manifest["number"]} <= set(trace["documents"])


@pytest.mark.parametrize("scope, field", [
    ({"waste_categories": ["HW08"], "waste_codes": []}, "lines.0.batch"),
    ({"disposal_methods": ["D10"]}, "disposal_method"),
])
def test_a_disposer_without_the_scope_is_refused_and_nothing_is_written(waste_world, session, scope, field):
    world = waste_world
    world.generate()
    for name, value in scope.items():
        setattr(world.permit, name, value)
    session.commit()
    body = assert_problem(world.manifest(), 422)
    assert body["code"] == "outside_permit_scope" and field in body["errors"], body
    assert count(session, WasteManifest) == 0


def test_a_disposer_with_no_waste_permit_is_refused(waste_world, session):
    world = waste_world
    world.generate()
    world.permit.revoked = True
    session.commit()
    body = assert_problem(world.manifest(), 422)
    assert list(body["errors"]) == ["disposer_id"]


def test_the_scope_is_checked_again_at_receipt_and_the_disposer_may_reject(waste_world, session):
    world = waste_world
    world.generate()
    manifest, waybill = ready_to_depart(world, session)
    world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={})
    world.call("post", f"waybills/{waybill['id']}/arrive", "carrier", json={"delivered": {}})
    world.permit.waste_categories = ["HW08"]  # the permit was amended while the waste was on the road
    session.commit()
    url = f"waste-manifests/{manifest['id']}"
    body = assert_problem(world.call("post", f"{url}/receive", "consignee", json={}), 422)
    assert body["code"] == "outside_permit_scope" and "lines.0.batch" in body["errors"]
    assert world.call("get", url).get_json()["status"] == "in_transit"
    rejected = world.call("post", f"{url}/reject", "consignee", json={"reason": "超出经营许可范围"})
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["rejection_reason"] == "超出经营许可范围"
    assert assert_problem(world.call("post", f"{url}/dispose", "consignee", json={}), 409)["code"] == \
        "illegal_transition"


def test_another_enterprises_manifest_is_404_and_not_listed(waste_world):
    world = waste_world
    world.generate()
    manifest = world.manifest().get_json()
    assert_problem(world.call("get", f"waste-manifests/{manifest['id']}", "outsider"), 404)
    assert_problem(world.call("post", f"waste-manifests/{manifest['id']}/reject", "outsider",
                              json={"reason": "x"}), 404)
    assert world.call("get", "waste-manifests", "outsider").get_json() == []
    for who in ("shipper", "carrier", "consignee", "supervisor", "auditor"):
        listed = world.call("get", f"waste-manifests?batch={WASTE}", who).get_json()
        assert [m["id"] for m in listed] == [manifest["id"]], who


@pytest.mark.parametrize("change, status, field", [
    ({"lines": [{"batch": "NOPE", "quantity_kg": "1"}]}, 404, "lines.0.batch"),
    ({"lines": [{"batch": "WASTE\u0000", "quantity_kg": "1"}]}, 422, "lines.0.batch"),
    ({"lines": [{"batch": "MEOH-001", "quantity_kg": "1"}]}, 404, "lines.0.batch"),  # not a waste batch
    ({"lines": [{"batch": WASTE, "quantity_kg": "2000.001"}]}, 422, "lines.0.quantity_kg"),
    ({"lines": [{"batch": WASTE, "quantity_kg": "-1"}]}, 422, "lines.0.quantity_kg"),
    ({"lines": []}, 422, "lines"),
    ({"disposal_method": "X9"}, 422, "disposal_method"),
    ({"disposer_site_id": "00000000-0000-0000-0000-000000000000"}, 404, "disposer_site_id"),
    ({"carrier_id": "not-a-uuid"}, 422, "carrier_id"),
])
def test_bad_manifests_are_problems_and_write_nothing(waste_world, session, change, status, field):
    world = waste_world
    world.generate()
    body = assert_problem(world.manifest(**change), status)
    assert field in body.get("errors", {}), body
    assert count(session, WasteManifest) == 0


@pytest.mark.parametrize("declaration, field", [
    ({"waste_code": "900-404-6"}, "waste_code"),
    ({"waste_code": "900-404-06", "waste_category": "HW08"}, "waste_code"),
    ({"waste_code": "900-041-41"}, "waste_code"),  # HW41 is unused since 2016
    ({"waste_category": "HW51"}, "waste_category"),
    ({"waste_characteristics": ["C"]}, "waste_characteristics"),  # 900-404-06 is listed T, I, R
    ({"waste_characteristics": []}, "waste_characteristics"),
    ({"waste_characteristics": ["X"]}, "waste_characteristics"),
    ({"waste_code": None}, "waste_code"),
])
def test_bad_waste_declarations_are_refused_and_write_nothing(waste_world, session, declaration, field):
    before = count(session, LedgerEntry)
    body = assert_problem(waste_world.generate(**declaration), 422)
    assert any(name.split(".")[0] == field for name in body["errors"]), body
    assert count(session, LedgerEntry) == before and count(session, WasteBatch) == 0


@pytest.mark.parametrize("kind, scope, field", [
    ("hazardous_chemicals_operation", {"waste_categories": ["HW06"]}, "waste_categories"),
    ("hazardous_waste_operation", {"waste_categories": ["HW41"]}, "waste_categories.0"),
    ("hazardous_waste_operation", {"waste_codes": ["900-041-4"]}, "waste_codes.0"),
    ("hazardous_waste_operation", {"disposal_methods": ["D16"]}, "disposal_methods.0"),
])
def test_only_a_waste_permit_has_a_valid_waste_scope(waste_world, kind, scope, field):
    body = {"kind": kind, "number": "SCOPE-1", "holder_id": str(waste_world.trip.consignee.id),
            "hazard_classes": ["3"], "valid_from": "2026-01-01", "valid_to": "2026-12-31", **scope}
    problem = assert_problem(waste_world.call("post", "permits", "admin", json=body), 422)
    assert field in problem["errors"], problem
