"""The HTTP contract of batches, movements, trace and ledger integrity."""
from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from sqlalchemy import func, select

from models import LedgerEntry
from models.types import utcnow
from tests.app.test_http_contract import assert_problem
from tests.factories import make_chemical


def count_entries(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def produce(api, world, code="B-1", quantity="1", unit="t", **extra):
    body = {"code": code, "chemical_id": str(world.chemical.id), "site_id": str(world.plant.id),
            "quantity": quantity, "unit": unit, "produced_at": iso(utcnow() - dt.timedelta(hours=2)), **extra}
    return api("post", "batches", json=body)


def move(api, who="producer", **body):
    body.setdefault("occurred_at", iso(utcnow() - dt.timedelta(hours=1)))
    return api("post", "movements", who, json=body)


def sell(api, world, code: str, quantity: str, **extra) -> dict:
    """The producer offers *quantity* kg of *code* to the buyer's site, and the buyer accepts it as handed over."""
    offered = move(api, kind="transfer", batch=code, from_site_id=str(world.plant.id),
                   to_site_id=str(world.buyer_site.id), quantity=quantity, **extra)
    assert offered.status_code == 202, offered.get_json()
    pending = offered.get_json()
    accepted = api("post", f"transfers/{pending['id']}/accept", "buyer", json={"occurred_at": pending["occurred_at"]})
    assert accepted.status_code == 200, accepted.get_json()
    return accepted.get_json()


def test_produce_in_tonnes_and_read_back(api, world):
    created = produce(api, world, quantity="1.5", unit="t")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["quantity_kg"] == "1500.000"
    detail = api("get", "batches/B-1").get_json()
    assert detail["holdings"][0]["balance_kg"] == "1500.000"
    assert [b["code"] for b in api("get", "batches").get_json()] == ["B-1"]


def test_litres_need_a_density(api, world):
    assert produce(api, world, quantity="1000", unit="L", density_kg_per_l="0.7918").get_json()[
        "quantity_kg"] == "791.800"
    body = assert_problem(produce(api, world, code="B-2", quantity="1000", unit="L"), 422)
    assert "density_kg_per_l" in body["errors"]


@pytest.mark.parametrize("quantity, unit, density, kilograms", [
    ("2", "吨", None, "2000.000"),
    ("2", "t", None, "2000.000"),
    ("2.5", "千克", None, "2.500"),
    ("2.5", "公斤", None, "2.500"),
    ("2.5", "kg", None, "2.500"),
    ("500", "克", None, "0.500"),
    ("500", "g", None, "0.500"),
    ("1000", "升", "0.7918", "791.800"),
    ("1000", "L", "0.7918", "791.800"),
])
def test_chinese_and_latin_unit_names_give_the_same_kilograms(api, world, quantity, unit, density, kilograms):
    extra = {"density_kg_per_l": density} if density else {}
    created = produce(api, world, quantity=quantity, unit=unit, **extra)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["quantity_kg"] == kilograms


def test_a_volume_in_litres_by_its_chinese_name_still_needs_a_density(api, world):
    body = assert_problem(produce(api, world, quantity="1000", unit="升"), 422)
    assert "density_kg_per_l" in body["errors"]


@pytest.mark.parametrize("change, status, field", [
    ({"quantity": "-5"}, 422, "quantity"),
    ({"quantity": "0"}, 422, "quantity"),
    ({"unit": "furlong"}, 422, "unit"),
    ({"unit": "m"}, 422, "unit"),
    ({"unit": "斤斤"}, 422, "unit"),
    ({"produced_at": iso(utcnow() + dt.timedelta(days=1))}, 422, "occurred_at"),
    ({"chemical_id": "00000000-0000-0000-0000-000000000000"}, 422, "chemical_id"),
])
def test_bad_batch_input_is_a_problem_and_writes_nothing(api, world, session, change, status, field):
    before = count_entries(session)
    body = assert_problem(produce(api, world, **change), status)
    assert field in body.get("errors", {}), body
    assert count_entries(session) == before


def test_lifecycle_over_http_and_bad_movements(api, world, session):
    produce(api, world, quantity="100", unit="kg")
    sale = move(api, kind="transfer", batch="B-1", from_site_id=str(world.plant.id),
                to_site_id=str(world.warehouse.id), quantity="60", document_ref="INV-7")
    assert sale.status_code == 201, sale.get_json()
    entry = sale.get_json()["entries"][0]
    assert entry["kind"] == "transfer" and entry["quantity_kg"] == "60.000" and len(entry["hash"]) == 64

    before = count_entries(session)
    overspend = assert_problem(move(api, kind="consume", batch="B-1", site_id=str(world.plant.id),
                                    quantity="41"), 409)
    assert "40.000 kg of batch B-1 available" in overspend["detail"]
    assert_problem(move(api, kind="consume", batch="NOPE", site_id=str(world.plant.id), quantity="1"), 422)
    assert_problem(move(api, kind="consume", batch="B-1", quantity="1"), 422)  # site_id missing for the kind
    assert_problem(move(api, "buyer", kind="consume", batch="B-1", site_id=str(world.plant.id),
                        quantity="1"), 422)  # a batch the buyer never held: answered as a made-up code
    assert_problem(move(api, kind="consume", batch="B-1", site_id=str(world.plant.id), quantity="1",
                        enterprise_id=str(world.buyer.id)), 403)  # posting for another enterprise
    assert_problem(move(api, "auditor", kind="consume", batch="B-1", site_id=str(world.plant.id),
                        quantity="1"), 403)
    reversal = move(api, kind="reversal", reverses=entry["id"])
    assert reversal.status_code == 201
    again = assert_problem(move(api, kind="reversal", reverses=reversal.get_json()["entries"][0]["id"]), 409)
    assert again["code"] == "reversal_of_reversal"
    assert count_entries(session) == before + 1


def test_admin_posts_for_a_named_enterprise(api, world):
    body = {"code": "A-1", "chemical_id": str(world.chemical.id), "site_id": str(world.plant.id), "quantity": "5",
            "produced_at": iso(utcnow())}
    assert "enterprise_id" in assert_problem(api("post", "batches", "admin", json=body), 422)["errors"]
    ok = api("post", "batches", "admin", json={**body, "enterprise_id": str(world.producer.id)})
    assert ok.status_code == 201, ok.get_json()


def test_enterprise_users_see_only_their_batches_and_entries(api, world):
    produce(api, world, quantity="10", unit="kg")
    assert api("get", "batches", "buyer").get_json() == []
    assert_problem(api("get", "batches/B-1", "buyer"), 404)
    assert api("get", "movements", "buyer").get_json() == []
    sell(api, world, "B-1", "4")
    assert [b["code"] for b in api("get", "batches", "buyer").get_json()] == ["B-1"]
    holdings = api("get", "batches/B-1", "buyer").get_json()["holdings"]
    assert [h["balance_kg"] for h in holdings] == ["4.000"]  # not the producer's 6 kg
    assert len(api("get", "movements?batch=B-1", "auditor").get_json()) == 2
    assert len(api("get", "movements?kind=transfer", "buyer").get_json()) == 1


def test_holdings_are_stock_not_what_was_consumed_or_produced(api, world):
    """A batch's holdings are what sits at sites (or on vehicles): the boundary accounts where quantities were
    produced or consumed are not stock, for the firm or for a supervisor."""
    produce(api, world, quantity="10", unit="kg")
    assert move(api, kind="consume", batch="B-1", site_id=str(world.plant.id), quantity="3").status_code == 201
    for who in ("producer", "auditor"):
        holdings = api("get", "batches/B-1", who).get_json()["holdings"]
        assert [h["balance_kg"] for h in holdings] == ["7.000"], who


def build_chain(api, world, session):
    produce(api, world, "RAW-1", quantity="1000", unit="kg")
    sell(api, world, "RAW-1", "800", document_ref="INV-2026-001")
    product = make_chemical(session, un_number="1993")
    session.commit()
    move(api, "buyer", kind="transform", site_id=str(world.buyer_site.id),
         inputs=[{"batch": "RAW-1", "quantity": "700"}],
         outputs=[{"code": "PROD-1", "chemical_id": str(product.id), "quantity": "650"},
                  {"code": "WASTE-1", "chemical_id": str(world.chemical.id), "quantity": "50", "waste": True,
                   "waste_code": "900-404-06", "waste_characteristics": ["T", "I"]}])
    move(api, "buyer", kind="dispose", batch="WASTE-1", site_id=str(world.buyer_site.id), quantity="50")


def test_trace_both_ways_reconciles_and_exports_valid_epcis(api, world, session, shared_data):
    build_chain(api, world, session)
    assert_problem(api("get", "batches/RAW-1/trace", "producer"), 403)
    assert_problem(api("get", "batches/NOPE/trace", "auditor"), 404)
    down = api("get", "batches/RAW-1/trace?direction=down", "auditor").get_json()
    relations = {b["code"]: b["relation"] for b in down["batches"]}
    assert relations == {"RAW-1": "self", "PROD-1": "downstream", "WASTE-1": "downstream"}
    raw = next(b for b in down["batches"] if b["code"] == "RAW-1")
    assert raw["in_kg"] == {"produced": "1000.000"} and raw["out_kg"] == {"transformed": "700.000"}
    assert sorted(h["kg"] for h in raw["on_hand"]) == ["100.000", "200.000"] and raw["reconciles"]
    assert all(b["reconciles"] for b in down["batches"])
    assert "INV-2026-001" in down["documents"]
    assert down["lineage"][0]["inputs"] == [{"batch": "RAW-1", "kg": "700.000"}]
    up = api("get", "batches/WASTE-1/trace?direction=up", "auditor").get_json()
    assert {b["code"] for b in up["batches"]} == {"WASTE-1", "RAW-1"}

    response = api("get", "batches/RAW-1/trace?format=epcis", "auditor")
    assert response.mimetype == "application/ld+json"
    document = response.get_json(force=True)
    schema = json.loads((shared_data / "epcis" / "EPCIS-JSON-Schema.json").read_text())
    jsonschema.validate(document, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    types = [e["type"] for e in document["epcisBody"]["eventList"]]
    assert types.count("TransformationEvent") == 1 and types.count("ObjectEvent") == 3


def test_verify_checkpoint_and_proof_over_http(api, world, app, tmp_path):
    app.config["SIGNING_KEY_PATH"] = str(tmp_path / "signing_key")
    produce(api, world, quantity="10", unit="kg")
    verified = api("get", "ledger/verify", "auditor").get_json()
    assert verified["ok"] is True and verified["entries_checked"] == 1 and verified["first_bad"] is None
    assert_problem(api("post", "ledger/checkpoints", "auditor"), 403)
    checkpoint = api("post", "ledger/checkpoints", "admin")
    assert checkpoint.status_code == 201
    assert_problem(api("post", "ledger/checkpoints", "admin"), 409)
    entry_id = api("get", "movements", "auditor").get_json()[0]["id"]
    proof = api("get", f"ledger/proofs/{entry_id}", "auditor").get_json()
    assert proof["checkpoint"]["merkle_root"] == checkpoint.get_json()["merkle_root"]
