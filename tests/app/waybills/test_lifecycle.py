"""A waybill's whole life through the API: draft, submission (issued: no approval), departure, arrival, closing."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from app.services.ledger.balances import balance
from models import Account, AccountKind, Boundary, LedgerEntry

API = "/api/v1/waybills"


def post(client, trip, who, path, body=None, **kwargs):
    return client.post(path, json=body if body is not None else {}, headers=trip.headers[who], **kwargs)


def site_balance(session, site, batch) -> Decimal:
    account = session.scalars(select(Account).where(Account.kind == AccountKind.SITE,
                                                    Account.site_id == site.id)).one()
    return balance(session, account.id, batch.id)


def test_the_whole_trip(client, session, trip):
    created = post(client, trip, "shipper", API, trip.draft())
    assert created.status_code == 201, created.get_json()
    waybill = created.get_json()
    assert re.fullmatch(r"YD\d{8}-[0-9A-Z]{6}", waybill["number"]) and waybill["status"] == "draft"
    url = f"{API}/{waybill['id']}"

    submitted = post(client, trip, "shipper", f"{url}/submit", {"row_version": waybill["row_version"]})
    assert submitted.status_code == 200, submitted.get_json()
    line = submitted.get_json()["current"]["lines"][0]
    assert line["transport_document"] == "UN 1230 METHANOL, 3, II, (D/E)"
    assert submitted.get_json()["status"] == "issued"  # Order 29 Art. 24: no one approves an ordinary waybill
    assert submitted.get_json()["current"]["dispatched_on"]

    assert post(client, trip, "shipper", f"{url}/approve").status_code == 403
    no_pass_needed = post(client, trip, "admin", f"{url}/approve", {"pass_number": "GA-1"})
    assert no_pass_needed.status_code == 409

    departed = post(client, trip, "carrier", f"{url}/depart")
    assert departed.status_code == 200, departed.get_json()
    assert site_balance(session, trip.loading, trip.batch) == Decimal("15000")

    arrived = post(client, trip, "carrier", f"{url}/arrive", {"delivered": {"1": "9990.5"}})
    assert arrived.status_code == 200, arrived.get_json()
    assert arrived.get_json()["current"]["lines"][0]["delivered_kg"] == "9990.500"
    assert site_balance(session, trip.unloading, trip.batch) == Decimal("9990.5")
    loss = session.scalars(select(LedgerEntry).join(Account, LedgerEntry.to_account_id == Account.id)
                           .where(Account.boundary == Boundary.LOSS)).one()
    assert loss.quantity == Decimal("9.5") and loss.document_ref == waybill["number"]

    assert post(client, trip, "carrier", f"{url}/close").status_code == 403
    closed = post(client, trip, "consignee", f"{url}/close")
    assert closed.get_json()["status"] == "closed"
    history = [(e["from_status"], e["to_status"]) for e in closed.get_json()["events"]]
    assert history == [(None, "draft"), ("draft", "issued"), ("issued", "in_transit"), ("in_transit", "delivered"),
                       ("delivered", "closed")]


def test_illegal_transitions_are_409(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    response = post(client, trip, "carrier", f"{url}/depart")
    assert response.status_code == 409 and response.get_json()["code"] == "illegal_transition"
    assert post(client, trip, "admin", f"{url}/approve", {"pass_number": "GA-1"}).status_code == 409


def test_a_flag_needs_a_reason_and_allows_resubmission(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    waybill = post(client, trip, "shipper", f"{url}/submit", {"row_version": waybill["row_version"]}).get_json()
    assert post(client, trip, "supervisor", f"{url}/reject", {}).status_code == 422
    rejected = post(client, trip, "supervisor", f"{url}/reject", {"reason": "escort certificate unreadable"})
    assert rejected.get_json()["status"] == "rejected"
    again = post(client, trip, "shipper", f"{url}/submit", {"row_version": rejected.get_json()["row_version"]})
    assert again.get_json()["status"] == "issued"


def test_correction_after_issue_is_a_new_version(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    waybill = post(client, trip, "shipper", f"{url}/submit", {"row_version": waybill["row_version"]}).get_json()
    lines = [{"batch_id": str(trip.batch.id), "quantity_kg": "8000", "packaging_kind": "tank", "packaging_count": 1}]
    corrected = client.patch(url, json={"row_version": waybill["row_version"], "lines": lines},
                             headers=trip.headers["shipper"])
    assert corrected.status_code == 200, corrected.get_json()
    body = corrected.get_json()
    assert body["version"] == 2 and body["status"] == "issued" and body["number"] == waybill["number"]
    assert [v["lines"][0]["quantity_kg"] for v in body["versions"]] == ["10000.000", "8000.000"]


def test_stale_row_version_is_409(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    first = client.patch(url, json={"row_version": waybill["row_version"], "emergency_contact": "0510-1111111"},
                         headers=trip.headers["shipper"])
    assert first.status_code == 200
    stale = client.patch(url, json={"row_version": waybill["row_version"], "emergency_contact": "0510-2222222"},
                         headers=trip.headers["shipper"])
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale_version"


def test_idempotent_creation(client, session, trip):
    key = {"Idempotency-Key": "order-4711"}
    body = trip.draft()
    first = client.post(API, json=body, headers={**trip.headers["shipper"], **key})
    again = client.post(API, json=body, headers={**trip.headers["shipper"], **key})
    assert first.status_code == 201 and again.get_json()["id"] == first.get_json()["id"]
    other = client.post(API, json={**body, "emergency_contact": "0510-9999999"},
                        headers={**trip.headers["shipper"], **key})
    assert other.status_code == 409 and other.get_json()["code"] == "idempotency_mismatch"
    listed = client.get(API, headers=trip.headers["shipper"]).get_json()
    assert len(listed) == 1


def test_idempotent_submission(client, trip):
    """A retried submit (its answer was lost) returns the waybill as submitted, not a 409 for submitting twice;
    the same key on another submission is refused, and nothing is written twice."""
    shipper, key = trip.headers["shipper"], {"Idempotency-Key": "submit-4711"}
    draft = client.post(API, json=trip.draft(), headers=shipper).get_json()
    other = client.post(API, json=trip.draft(), headers=shipper).get_json()
    body = {"row_version": draft["row_version"]}
    first = client.post(f"{API}/{draft['id']}/submit", json=body, headers={**shipper, **key})
    again = client.post(f"{API}/{draft['id']}/submit", json=body, headers={**shipper, **key})
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert [e["to_status"] for e in again.get_json()["events"]] == ["draft", "issued"]
    unkeyed = client.post(f"{API}/{draft['id']}/submit", json=body, headers=shipper)
    assert unkeyed.status_code == 409
    reused = client.post(f"{API}/{other['id']}/submit", json={"row_version": other["row_version"]},
                         headers={**shipper, **key})
    assert reused.status_code == 409 and reused.get_json()["code"] == "idempotency_mismatch"
    assert client.get(f"{API}/{other['id']}", headers=shipper).get_json()["status"] == "draft"


def test_parties_see_their_waybills_others_get_404(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    for who in ("shipper", "consignee", "carrier", "supervisor", "auditor"):
        assert client.get(f"{API}/{waybill['id']}", headers=trip.headers[who]).status_code == 200
    assert client.get(f"{API}/{waybill['id']}", headers=trip.headers["outsider"]).status_code == 404
    assert client.get(API, headers=trip.headers["outsider"]).get_json() == []
    assert post(client, trip, "auditor", API, trip.draft()).status_code == 403


def test_a_departed_waybill_appears_in_the_batch_trace(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    waybill = post(client, trip, "shipper", f"{url}/submit", {"row_version": waybill["row_version"]}).get_json()
    assert post(client, trip, "carrier", f"{url}/depart").status_code == 200
    trace = client.get(f"/api/v1/batches/{trip.batch.code}/trace", headers=trip.headers["auditor"]).get_json()
    assert waybill["number"] in trace["documents"]
