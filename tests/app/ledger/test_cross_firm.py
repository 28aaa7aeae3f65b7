"""No enterprise writes into another's books (issue 25, finding 2).

A transfer into another enterprise's site is offered, not posted: the receiver accepts it (then it is posted,
its permits checked) or refuses it (nothing posted). Stock goes into transit only onto a departed waybill, and
reaches another enterprise from transit only by the waybill's arrival. A reversal never takes stock back out
of another enterprise's holding.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from app.errors import Conflict
from app.services.ledger import lifecycle, transfers
from app.services.ledger.posting import LedgerBusy
from app.services.ledger.verification import verify_chain
from models import (
    Account, AccountKind, EntryKind, LedgerEntry, Permit, PendingTransfer, TransferStatus, User, WaybillStatus,
)
from models.types import utcnow
from tests.app.ledger.conftest import World, departed_waybill, produce as produce_here
from tests.app.ledger.test_api import move, produce
from tests.app.ledger.test_concurrency import committed, run_together  # noqa: F401  (the fixture)
from tests.app.test_http_contract import assert_problem


def entries(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


def holdings(api, who: str, code: str = "B-1") -> list[str]:
    return [h["balance_kg"] for h in api("get", f"batches/{code}", who).get_json().get("holdings", [])]


def offer(api, world: World, quantity: str = "60", **extra):
    return move(api, kind="transfer", batch="B-1", from_site_id=str(world.plant.id),
                to_site_id=str(world.buyer_site.id), quantity=quantity, **extra)


def test_a_transfer_into_another_firms_site_waits_for_its_acceptance(api, world, session):
    produce(api, world, quantity="100", unit="kg")
    before = entries(session)
    offered = offer(api, world, document_ref="INV-7")
    assert offered.status_code == 202, offered.get_json()
    pending = offered.get_json()
    assert pending["status"] == "pending" and pending["quantity_kg"] == "60.000" and pending["entry_id"] is None
    assert offered.headers["Location"].endswith(f"/api/v1/transfers/{pending['id']}")
    assert entries(session) == before  # nothing posted
    assert_problem(api("get", "batches/B-1", "buyer"), 404)  # the buyer holds nothing yet

    for who in ("producer", "buyer", "auditor"):
        assert [t["id"] for t in api("get", "transfers", who).get_json()] == [pending["id"]], who
    assert [t["id"] for t in api("get", "transfers?direction=incoming", "buyer").get_json()] == [pending["id"]]
    assert api("get", "transfers?direction=incoming", "producer").get_json() == []
    assert api("get", "transfers", "carrier").get_json() == []  # not a party
    url = f"transfers/{pending['id']}"
    for verb, body in (("accept", {}), ("refuse", {"reason": "x"}), ("cancel", {})):
        assert_problem(api("post", f"{url}/{verb}", "carrier", json=body), 404)
    assert_problem(api("get", url, "carrier"), 404)
    assert_problem(api("post", f"{url}/accept", "producer", json={}), 403)  # the sender cannot accept

    accepted = api("post", f"{url}/accept", "buyer", json={})
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert body["status"] == "accepted" and body["entry_id"] and body["decided_by"] == str(world.buyer_user.id)
    assert entries(session) == before + 1
    entry = session.get(LedgerEntry, uuid.UUID(body["entry_id"]))
    assert entry.kind.value == "transfer" and entry.quantity == Decimal("60") and entry.document_ref == "INV-7"
    assert holdings(api, "buyer") == ["60.000"] and holdings(api, "producer") == ["40.000"]
    assert assert_problem(api("post", f"{url}/accept", "buyer", json={}), 409)["code"] == "transfer_decided"
    assert entries(session) == before + 1


def test_a_refused_or_withdrawn_transfer_posts_nothing(api, world, session):
    produce(api, world, quantity="100", unit="kg")
    before = entries(session)
    first, second = (offer(api, world, quantity="10").get_json()["id"] for _ in range(2))
    assert "reason" in assert_problem(api("post", f"transfers/{first}/refuse", "buyer", json={}), 422)["errors"]
    refused = api("post", f"transfers/{first}/refuse", "buyer", json={"reason": "not ordered"}).get_json()
    assert refused["status"] == "refused" and refused["reason"] == "not ordered" and refused["entry_id"] is None
    assert_problem(api("post", f"transfers/{second}/cancel", "buyer", json={}), 403)  # only the sender withdraws
    assert api("post", f"transfers/{second}/cancel", "producer", json={}).get_json()["status"] == "cancelled"
    for transfer_id in (first, second):
        assert_problem(api("post", f"transfers/{transfer_id}/accept", "buyer", json={}), 409)
    assert entries(session) == before
    assert holdings(api, "producer") == ["100.000"]
    assert [t["status"] for t in api("get", "transfers?status=pending", "buyer").get_json()] == []


def test_acceptance_checks_the_receivers_permits_and_the_senders_balance_again(api, world, session):
    produce(api, world, quantity="100", unit="kg")
    too_much = offer(api, world, quantity="101")
    assert assert_problem(too_much, 409)["code"] == "insufficient_balance"
    transfer_id = offer(api, world, quantity="60").get_json()["id"]
    permits = list(session.scalars(select(Permit).where(Permit.holder_id == world.buyer.id)))
    session.execute(delete(Permit).where(Permit.holder_id == world.buyer.id))
    session.commit()
    before = entries(session)
    assert assert_problem(api("post", f"transfers/{transfer_id}/accept", "buyer", json={}), 403)["code"] == "no_permit"
    assert entries(session) == before
    assert api("get", f"transfers/{transfer_id}", "buyer").get_json()["status"] == "pending"

    session.add_all(Permit(**{c.key: getattr(p, c.key) for c in Permit.__table__.columns}) for p in permits)
    move(api, kind="consume", batch="B-1", site_id=str(world.plant.id), quantity="50")  # spent since the offer
    session.commit()
    refused = assert_problem(api("post", f"transfers/{transfer_id}/accept", "buyer", json={}), 409)
    assert refused["code"] == "insufficient_balance"
    assert api("get", f"transfers/{transfer_id}", "buyer").get_json()["status"] == "pending"
    assert holdings(api, "producer") == ["50.000"]


def test_cross_firm_transfer_cannot_ride_in_a_batch_or_the_service(api, world, session):
    produce(api, world, quantity="100", unit="kg")
    before = entries(session)
    item = {"kind": "transfer", "batch": "B-1", "from_site_id": str(world.plant.id),
            "to_site_id": str(world.buyer_site.id), "quantity": "5", "occurred_at": utcnow().isoformat()}
    refused = assert_problem(api("post", "movements/batch", json={"items": [item]}), 409)
    assert refused["code"] == "acceptance_required"
    with pytest.raises(Conflict):
        lifecycle.transfer(session, world.as_producer, batch_code="B-1", from_site_id=world.plant.id,
                           to_site_id=world.buyer_site.id, quantity=Decimal("5"), occurred_at=utcnow())
    assert entries(session) == before
    own = move(api, kind="transfer", batch="B-1", from_site_id=str(world.plant.id),
               to_site_id=str(world.warehouse.id), quantity="5")
    assert own.status_code == 201, own.get_json()  # between one's own sites: posted at once


def test_a_load_needs_a_real_waybill_in_transit(api, world, session):
    produce(api, world, quantity="1000", unit="kg")
    before = entries(session)
    body = {"kind": "load", "batch": "B-1", "from_site_id": str(world.plant.id), "carrier_id": str(world.carrier.id),
            "quantity": "100"}
    made_up = assert_problem(move(api, **body, transit_ref="WB-MADE-UP"), 422)
    assert "transit_ref" in made_up["errors"]
    assert session.scalar(select(func.count()).select_from(Account).where(Account.kind == AccountKind.TRANSIT)) == 0
    waybill = departed_waybill(session, world)
    assert_problem(move(api, "buyer", **body, transit_ref=waybill.number), 422)  # not the buyer's waybill
    assert entries(session) == before
    loaded = move(api, **body, transit_ref=waybill.number)
    assert loaded.status_code == 201, loaded.get_json()
    delivered = departed_waybill(session, world, WaybillStatus.DELIVERED)
    assert_problem(move(api, **body, transit_ref=delivered.number), 422)  # that trip is over


def test_stock_in_transit_reaches_another_firm_only_by_the_waybills_arrival(api, world, session):
    produce(api, world, quantity="1000", unit="kg")
    waybill = departed_waybill(session, world)
    move(api, kind="load", batch="B-1", from_site_id=str(world.plant.id), carrier_id=str(world.carrier.id),
         transit_ref=waybill.number, quantity="100")
    before = entries(session)
    refused = assert_problem(move(api, "carrier", kind="unload", batch="B-1", transit_ref=waybill.number,
                                  to_site_id=str(world.buyer_site.id), quantity="100"), 409)
    assert refused["code"] == "delivery_via_waybill"
    assert entries(session) == before


def test_a_reversal_never_takes_stock_out_of_another_firms_holding(api, world, session):
    produce(api, world, quantity="100", unit="kg")
    transfer_id = offer(api, world).get_json()["id"]
    entry_id = api("post", f"transfers/{transfer_id}/accept", "buyer", json={}).get_json()["entry_id"]
    before = entries(session)
    refused = assert_problem(move(api, kind="reversal", reverses=entry_id), 409)
    assert refused["code"] == "held_by_another_enterprise"
    assert entries(session) == before and holdings(api, "buyer") == ["60.000"]


def test_an_admin_decides_for_the_receiver_and_the_record_says_who(api, world, session):
    produce_here(session, world, "B-1", "100")
    transfer = transfers.offer(session, world.as_producer, batch_code="B-1", from_site_id=world.plant.id,
                               to_site_id=world.buyer_site.id, quantity=Decimal("5"),
                               occurred_at=utcnow() - dt.timedelta(minutes=5))
    body = api("post", f"transfers/{transfer.id}/accept", "admin", json={}).get_json()
    assert body["status"] == "accepted" and body["decided_by"] is not None
    row = session.get(PendingTransfer, transfer.id)
    session.refresh(row)
    assert row.status is TransferStatus.ACCEPTED and row.entry_id is not None


def test_concurrent_acceptances_never_overdraw_nor_post_twice(committed):  # noqa: F811  (the fixture)
    """Two offers of 60 kg of the same 100 kg, each accepted twice at once (real commits, threads): one
    offer is posted, once; the other is refused for its balance and stays pending."""
    new_session, world, postgres = committed
    with new_session() as session:
        offers = [transfers.offer(session, world.as_producer, batch_code="B-1", from_site_id=world.plant.id,
                                  to_site_id=world.buyer_site.id, quantity=Decimal("60"), occurred_at=utcnow()).id
                  for _ in range(2)]

    def accept(i: int) -> object:
        with new_session() as session:
            return transfers.accept(session, session.get(User, world.buyer_user.id), offers[i % 2])

    results = run_together(4, accept)
    accepted = [r for r in results if isinstance(r, PendingTransfer)]
    refused = (Conflict,) if postgres else (Conflict, LedgerBusy)
    assert len(accepted) == 1 and all(isinstance(r, refused) for r in results if r not in accepted), results
    with new_session() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)
                              .where(LedgerEntry.kind == EntryKind.TRANSFER)) == 1
        statuses = sorted(session.get(PendingTransfer, i).status.value for i in offers)
        assert statuses == ["accepted", "pending"]
        assert verify_chain(session).ok
