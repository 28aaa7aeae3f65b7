"""Many postings in one ledger transaction (service and ``POST /movements/batch``): in order, all or nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, ValidationFailed
from app.services import permits
from app.services.ledger.balances import balances
from app.services.ledger.verification import verify_chain
from app.services.ledger.movements import MAX_BATCH, post_movements
from models import Account, Batch, LedgerEntry
from models.types import utcnow
from tests.app.ledger.conftest import an_hour_ago, produce
from tests.app.test_http_contract import assert_problem
from tests.factories import auth


def count_entries(session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry))


def consume(world, code: str, kg: str, at: dt.datetime | None = None) -> dict:
    return {"kind": "consume", "batch": code, "site_id": world.plant.id, "quantity": Decimal(kg),
            "occurred_at": at or utcnow()}


def produce_item(world, code: str, kg: str, at: dt.datetime | None = None) -> dict:
    return {"kind": "produce", "code": code, "chemical_id": world.chemical.id, "site_id": world.plant.id,
            "quantity": Decimal(kg), "occurred_at": at or an_hour_ago()}


def test_a_batch_posts_in_order_and_later_items_see_earlier_ones(session, world):
    produce(session, world, "B-1", "100")
    items = [produce_item(world, "B-2", "10"), consume(world, "B-2", "4"), consume(world, "B-1", "30"),
             {"kind": "transfer", "batch": "B-2", "from_site_id": world.plant.id,
              "to_site_id": world.warehouse.id, "quantity": Decimal("6"), "occurred_at": utcnow()},
             consume(world, "B-1", "70")]
    entries = post_movements(session, world.as_producer, items)
    assert [e.sequence for e in entries] == list(range(2, 7))
    assert [e.kind.value for e in entries] == ["produce", "consume", "consume", "transfer", "consume"]
    held = [(session.get(Account, h.account_id).site_id, session.get(Batch, h.batch_id).code, h.balance)
            for h in balances(session) if session.get(Account, h.account_id).holds_stock]
    assert held == [(world.warehouse.id, "B-2", Decimal("6.000"))]
    verification = verify_chain(session)
    assert verification.ok and verification.entries_checked == 6


def test_a_bad_item_at_the_end_writes_nothing_and_is_named(session, world):
    produce(session, world, "B-1", "100")
    before = count_entries(session)
    items = [produce_item(world, f"N-{n}", "5") for n in range(5)] + [consume(world, "B-1", "1")] * 3
    items.append(consume(world, "B-1", "98"))  # 100 - 3 = 97 left: overdraws
    with pytest.raises(Conflict) as refused:
        post_movements(session, world.as_producer, items)
    assert refused.value.code == "insufficient_balance" and list(refused.value.errors) == ["items.8"]
    assert count_entries(session) == before
    assert session.scalar(select(func.count()).select_from(Batch).where(Batch.code.like("N-%"))) == 0

    items[-1] = {**consume(world, "B-1", "1"), "quantity": Decimal("0")}
    with pytest.raises(ValidationFailed) as invalid:
        post_movements(session, world.as_producer, items)
    assert list(invalid.value.errors) == ["items.8.quantity"]
    assert count_entries(session) == before


def test_a_backdated_item_may_not_overdraw_what_the_batch_posted_after_it(session, world):
    t0 = an_hour_ago()
    items = [produce_item(world, "B-1", "100", t0), consume(world, "B-1", "80", t0 + dt.timedelta(minutes=30)),
             consume(world, "B-1", "30", t0 + dt.timedelta(minutes=10))]
    with pytest.raises(Conflict) as refused:
        post_movements(session, world.as_producer, items)
    assert "20.000 kg of batch B-1 available" in refused.value.detail and "items.2" in refused.value.errors
    items[-1] = consume(world, "B-1", "20", t0 + dt.timedelta(minutes=10))
    assert len(post_movements(session, world.as_producer, items)) == 3


def test_each_permit_is_decided_once_per_transaction(session, world, monkeypatch):
    produce(session, world, "B-1", "100")
    calls = []
    decide = permits.permit_decision

    def counting(*args, **kwargs):
        calls.append(args[2:4])
        return decide(*args, **kwargs)

    monkeypatch.setattr("app.services.ledger.authorisation.permit_decision", counting)
    post_movements(session, world.as_producer, [consume(world, "B-1", "1")] * 20)
    assert len(calls) == 1


def test_a_batch_is_bounded(session, world):
    with pytest.raises(ValidationFailed):
        post_movements(session, world.as_producer, [])
    with pytest.raises(ValidationFailed):
        post_movements(session, world.as_producer, [consume(world, "B-1", "1")] * (MAX_BATCH + 1))


@pytest.fixture
def post_batch(client, world):
    def call(items, who: str = "producer", **extra):
        body = {"items": [{k: str(v) if not isinstance(v, (list, dict)) else v for k, v in item.items()}
                          for item in items], **extra}
        return client.post("/api/v1/movements/batch", headers=auth(world.tokens[who]), json=body)

    return call


def iso_items(items):
    return [{**item, "occurred_at": item["occurred_at"].isoformat()} for item in items]


def test_batch_over_http_posts_all(post_batch, world, session):
    response = post_batch(iso_items([produce_item(world, "H-1", "10"), consume(world, "H-1", "2")]))
    assert response.status_code == 201, response.get_json()
    entries = response.get_json()["entries"]
    assert [(e["kind"], e["batch"], e["quantity_kg"]) for e in entries] == [
        ("produce", "H-1", "10.000"), ("consume", "H-1", "2.000")]
    assert entries[1]["previous_hash"] == entries[0]["hash"]


@pytest.mark.parametrize("bad, status, path", [
    ({"quantity": "-1"}, 422, "items.3.quantity"),  # refused by the schema
    ({"kind": "teleport"}, 422, "items.3.kind"),
    ({"batch": "NOPE"}, 422, "items.3.batch"),  # refused by the use case
    ({"site_id": None}, 422, "items.3.site_id"),
    ({"quantity": "99"}, 409, "items.3"),  # overdraws what the items before left
])
def test_a_bad_item_over_http_is_named_and_writes_nothing(post_batch, world, session, bad, status, path):
    produce(session, world, "B-1", "100")
    session.commit()
    before = count_entries(session)
    items = iso_items([consume(world, "B-1", "1")] * 3 + [consume(world, "B-1", "1")])
    items[3] = {k: v for k, v in {**items[3], **bad}.items() if v is not None}
    body = assert_problem(post_batch(items), status)
    assert path in body["errors"], body
    assert count_entries(session) == before


def test_batch_over_http_needs_items_and_an_enterprise_for_admins(post_batch, world):
    assert "items" in assert_problem(post_batch([]), 422)["errors"]
    items = iso_items([produce_item(world, "A-1", "1")])
    assert "enterprise_id" in assert_problem(post_batch(items, "admin"), 422)["errors"]
    assert post_batch(items, "admin", enterprise_id=str(world.producer.id)).status_code == 201
    assert_problem(post_batch(items, "auditor"), 403)
