"""A distributor holding lots of two other producers with one code names the producer beside the code (``producer``:
its enterprise id or its USCC) to move, transfer, load, transform or offer its own stock; without it, 409
``ambiguous_batch`` naming the field to fill; a producer whose lot it does not know is answered exactly as an unknown
batch; a value that is neither an id nor a USCC is 422; nothing is written on any refusal."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.cli import cli
from app.errors import Conflict
from app.services.ledger import lifecycle, transfers
from app.services.ledger.accounts import batch_by_code
from app.services.ledger.posting import Actor
from app.services.users import set_password
from models import Enterprise, EntryKind, LedgerEntry, PendingTransfer, PermitKind, Role, Site
from models.engine import make_engine
from models.types import utcnow
from tests.app.ledger.conftest import World, an_hour_ago, build_world, departed_waybill, grant_permits, produce
from tests.factories import make_enterprise, make_site, make_user, valid_uscc

CODE = "2026-001"


class Lots:
    """The world's buyer, a distributor: it holds 30 kg of the producer's lot ``CODE`` and 20 kg of a second
    producer's lot of the same code, at its site; it has a second site (``store``)."""

    def __init__(self, session: Session, world: World) -> None:
        self.world = world
        self.second = make_enterprise(session, name="常州化工")
        grant_permits(session, self.second, PermitKind.SAFETY_PRODUCTION, PermitKind.SAFE_USE)
        second_user, _ = make_user(session, Role.ENTERPRISE, enterprise=self.second)
        second_plant = make_site(session, self.second)
        self.store = make_site(session, world.buyer)
        start = utcnow() - dt.timedelta(hours=3)
        produce(session, world, CODE, occurred_at=start)
        lifecycle.introduce(session, Actor(second_user.id, self.second.id), kind=EntryKind.PRODUCE, code=CODE,
                            chemical_id=world.chemical.id, site_id=second_plant.id, quantity=Decimal("50"),
                            occurred_at=start)
        for actor, site, kg in ((world.as_producer, world.plant, "30"),
                                (Actor(second_user.id, self.second.id), second_plant, "20")):
            offer = transfers.offer(session, actor, batch_code=CODE, from_site_id=site.id,
                                    to_site_id=world.buyer_site.id, quantity=Decimal(kg),
                                    occurred_at=start + dt.timedelta(minutes=10))
            transfers.accept(session, world.buyer_user, offer.id, start + dt.timedelta(minutes=20))
        session.commit()

    def held(self, api, producer: Enterprise) -> str:
        """What the buyer holds of *producer*'s lot, as ``GET /batches/{code}?producer=`` shows it."""
        answer = api("get", f"batches/{CODE}?producer={producer.id}", who="buyer")
        assert answer.status_code == 200, answer.get_json()
        return {h["account_id"]: h["balance_kg"] for h in answer.get_json()["holdings"]}


@pytest.fixture
def lots(session: Session, world: World) -> Lots:
    return Lots(session, world)


def _consume(world: World, **fields) -> dict:
    return {"kind": "consume", "batch": CODE, "site_id": str(world.buyer_site.id), "quantity": "5",
            "occurred_at": an_hour_ago().isoformat(), **fields}


def _written(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(LedgerEntry)),
            session.scalar(select(func.count()).select_from(PendingTransfer)))


def _site_account(session: Session, site: Site) -> str:
    from app.services.ledger.accounts import site_account
    account = site_account(session, site.id)
    session.commit()
    return str(account.id)


def test_each_lot_is_moved_by_naming_its_producer_by_id_or_uscc(api, session, world, lots):
    account = _site_account(session, world.buyer_site)
    for producer, named, before, after in ((world.producer, str(world.producer.id), "30.000", "25.000"),
                                           (lots.second, lots.second.uscc, "20.000", "15.000"),
                                           (lots.second, lots.second.uscc.lower(), "15.000", "10.000")):
        assert lots.held(api, producer)[account] == before
        answer = api("post", "movements", who="buyer", json=_consume(world, producer=named))
        assert answer.status_code == 201, answer.get_json()
        assert lots.held(api, producer)[account] == after


def test_without_the_producer_409_names_the_field_to_fill_and_nothing_is_written(api, session, world, lots):
    before = _written(session)
    bodies = {
        "movements": (_consume(world), "producer"),
        "transfers": ({"batch": CODE, "from_site_id": str(world.buyer_site.id), "to_site_id": str(world.plant.id),
                       "quantity": "1", "occurred_at": an_hour_ago().isoformat()}, "producer"),
        "movements/batch": ({"items": [_consume(world, producer=str(world.producer.id)), _consume(world)]},
                            "items.1.producer"),
        "movements ": ({"kind": "split", "site_id": str(world.buyer_site.id), "occurred_at": utcnow().isoformat(),
                        "inputs": [{"batch": CODE, "quantity": "2"}],
                        "outputs": [{"code": "D-1", "quantity": "2"}]}, "inputs.0.producer"),
    }
    for path, (body, field) in bodies.items():
        answer = api("post", path.strip(), who="buyer", json=body)
        problem = answer.get_json()
        assert answer.status_code == 409 and problem["code"] == "ambiguous_batch", (path, problem)
        assert set(problem["errors"]) == {field}, (path, problem)
        assert set(problem["errors"][field]) == {str(world.producer.id), str(lots.second.id)}
        assert f"'{field.removeprefix('items.1.')}'" in problem["detail"]  # a batch's item: "Movement 1: ..."
    assert _written(session) == before


def test_a_producer_whose_lot_it_does_not_know_is_an_unknown_batch(api, session, world, lots):
    """The carrier's id, a made-up id, a registered USCC of a firm whose lot of the code it does not know (the
    buyer's own: it has none) and a USCC nobody has: the same 422 as an unknown code, nothing written."""
    before = _written(session)
    unknown_code = api("post", "movements", who="buyer", json=_consume(world, batch="NO-SUCH-LOT")).get_json()
    expected = {k: v for k, v in unknown_code.items() if k not in ("instance", "request_id")}
    for named in (str(world.carrier.id), str(uuid.uuid4()), world.buyer.uscc, world.carrier.uscc, valid_uscc()):
        answer = api("post", "movements", who="buyer", json=_consume(world, producer=named))
        problem = {k: v for k, v in answer.get_json().items() if k not in ("instance", "request_id")}
        assert answer.status_code == 422
        assert json.loads(json.dumps(problem).replace(CODE, "NO-SUCH-LOT")) == expected, named
    assert _written(session) == before


def test_a_bad_producer_value_is_422(api, session, world, lots):
    before = _written(session)
    for bad in ("not-an-id", "91320200MA1234567X", "", "1" * 70):
        for path, body, field in (("movements", _consume(world, producer=bad), "producer"),
                                  ("movements", {"kind": "split", "site_id": str(world.buyer_site.id),
                                                 "occurred_at": utcnow().isoformat(), "outputs": [
                                                     {"code": "D-1", "quantity": "2"}],
                                                 "inputs": [{"batch": CODE, "quantity": "2", "producer": bad}]},
                                   "inputs.0.producer")):
            answer = api("post", path, who="buyer", json=body)
            assert answer.status_code == 422 and field in answer.get_json()["errors"], (bad, answer.get_json())
        read = api("get", f"batches/{CODE}?producer={bad}", who="buyer")
        assert read.status_code == 422 and "query.producer" in read.get_json()["errors"], bad
    assert _written(session) == before


def test_one_batch_of_postings_moves_both_lots_of_one_code(api, session, world, lots):
    """The in-transaction memory of batches keys by (code, producer): two items naming the two producers each
    spend from their own lot, and an item naming none after them still refuses."""
    account = _site_account(session, world.buyer_site)
    answer = api("post", "movements/batch", who="buyer", json={"items": [
        _consume(world, producer=str(world.producer.id), quantity="3"),
        _consume(world, producer=lots.second.uscc, quantity="4"),
        _consume(world, producer=str(lots.second.id), quantity="1")]})
    assert answer.status_code == 201, answer.get_json()
    assert (lots.held(api, world.producer)[account], lots.held(api, lots.second)[account]) == ("27.000", "15.000")


def test_transfer_offer_load_and_split_name_the_producer(api, session, world, lots):
    store = _site_account(session, lots.store)
    moved = api("post", "movements", who="buyer", json={
        "kind": "transfer", "batch": CODE, "producer": lots.second.uscc, "from_site_id": str(world.buyer_site.id),
        "to_site_id": str(lots.store.id), "quantity": "6", "occurred_at": an_hour_ago().isoformat()})
    assert moved.status_code == 201, moved.get_json()
    assert lots.held(api, lots.second)[store] == "6.000" and store not in lots.held(api, world.producer)
    offered = api("post", "transfers", who="buyer", json={
        "batch": CODE, "producer": str(world.producer.id), "from_site_id": str(world.buyer_site.id),
        "to_site_id": str(world.plant.id), "quantity": "2", "occurred_at": an_hour_ago().isoformat()})
    assert offered.status_code == 201, offered.get_json()
    transfer = session.get(PendingTransfer, uuid.UUID(offered.get_json()["id"]))
    assert transfer.batch.producer_id == world.producer.id
    waybill = departed_waybill(session, world, from_buyer=True)
    loaded = api("post", "movements", who="buyer", json={
        "kind": "load", "batch": CODE, "producer": str(lots.second.id), "from_site_id": str(world.buyer_site.id),
        "carrier_id": str(world.carrier.id), "transit_ref": waybill.number, "quantity": "3",
        "occurred_at": utcnow().isoformat()})
    assert loaded.status_code == 201, loaded.get_json()
    entry = session.get(LedgerEntry, uuid.UUID(loaded.get_json()["entries"][0]["id"]))
    assert entry.batch.producer_id == lots.second.id
    split = api("post", "movements", who="buyer", json={
        "kind": "split", "site_id": str(world.buyer_site.id), "occurred_at": utcnow().isoformat(),
        "inputs": [{"batch": CODE, "producer": world.producer.uscc, "quantity": "4"}],
        "outputs": [{"code": "D-1", "quantity": "4"}]})
    assert split.status_code == 201, split.get_json()
    inputs = [e for e in split.get_json()["entries"] if e["lineage_role"] == "input"]
    assert session.get(LedgerEntry, uuid.UUID(inputs[0]["id"])).batch.producer_id == world.producer.id


def test_the_lookup_is_one_statement_however_many_lots_share_the_code(session, world, lots):
    """``batch_by_code`` asks which lots of the code the enterprise knows in one statement (it asked once per lot)."""
    for n in range(3):  # three more producers' lots of the code, none known to the buyer
        firm = make_enterprise(session)
        grant_permits(session, firm, PermitKind.SAFETY_PRODUCTION)
        user, _ = make_user(session, Role.ENTERPRISE, enterprise=firm)
        lifecycle.introduce(session, Actor(user.id, firm.id), kind=EntryKind.PRODUCE, code=CODE,
                            chemical_id=world.chemical.id, site_id=make_site(session, firm).id,
                            quantity=Decimal("1"), occurred_at=an_hour_ago())
    session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with pytest.raises(Conflict):  # five lots of the code, two of them known to the buyer: name the producer
            batch_by_code(session, CODE, world.buyer.id)
        asked = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        batch = batch_by_code(session, CODE, world.buyer.id, producer=lots.second.uscc)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(asked) == 1, asked
    assert batch.producer_id == lots.second.id


def test_the_trace_command_takes_a_uscc(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with Session(engine) as other:
        built = build_world(other)
        produce(other, built, CODE)
        uscc = built.producer.uscc
        other.commit()
    engine.dispose()

    def run(*options: str):
        return CliRunner().invoke(cli, ["--database-url", fresh_database_url, "trace", CODE, *options])

    named = run("--producer", uscc)
    assert named.exit_code == 0, named.output
    assert [b["code"] for b in json.loads(named.stdout)["batches"]] == [CODE]
    bad = run("--producer", "not-a-producer")
    assert bad.exit_code == 2 and bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1, bad.output
    assert "--producer" in bad.stderr
    nobody = run("--producer", valid_uscc())
    assert nobody.exit_code == 2 and "No batch" in nobody.stderr


def _signed_in(client, session, user, home: str = "/firm") -> str:
    set_password(session, user, "a long password")
    session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/login", data={"name": user.name, "password": "a long password", "csrf_token": token})
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(home).get_data(as_text=True))[1]


def test_the_movement_form_offers_the_producers_and_posts_the_one_picked(client, api, session, world, lots):
    token = _signed_in(client, session, world.buyer_user)
    page = client.get("/firm/movements/new").get_data(as_text=True)
    for firm in (world.producer, lots.second):
        assert f'<option value="{firm.id}"' in page and firm.uscc in page
    assert page.count(f'<option value="{CODE}"') == 1  # one code, both producers named in its label
    form = {"csrf_token": token, "kind": "consume", "batch": CODE, "site_id": str(world.buyer_site.id),
            "quantity": "5", "occurred_at": an_hour_ago().isoformat()}
    before = _written(session)
    refused = client.post("/firm/movements/new", data=form)
    assert refused.status_code == 422 and 'class="field has-error" data-field="producer"' in refused.get_data(
        as_text=True)
    assert _written(session) == before
    account = _site_account(session, world.buyer_site)
    posted = client.post("/firm/movements/new", data={**form, "producer": str(lots.second.id)})
    assert posted.status_code == 302, posted.get_data(as_text=True)[:300]
    assert lots.held(api, lots.second)[account] == "15.000" and lots.held(api, world.producer)[account] == "30.000"


def test_the_waybill_form_names_the_producer_of_a_shared_code(client, session, world, lots):
    _signed_in(client, session, world.buyer_user)
    page = client.get("/firm/waybills/new").get_data(as_text=True)
    for firm in (world.producer, lots.second):
        assert f"{CODE} · 甲醇 · {firm.name}" in page


def test_the_trace_graph_names_the_producers_of_lots_sharing_a_code(client, api, session, world, lots):
    """The distributor splits the producer's lot into a lot of its own with the same code: on the auditor's trace
    page the chain's two nodes of that code name their producers (other codes name none)."""
    split = api("post", "movements", who="buyer", json={
        "kind": "split", "site_id": str(world.buyer_site.id), "occurred_at": utcnow().isoformat(),
        "inputs": [{"batch": CODE, "producer": world.producer.uscc, "quantity": "4"}],
        "outputs": [{"code": CODE, "quantity": "4"}]})
    assert split.status_code == 201, split.get_json()
    auditor, _ = make_user(session, Role.AUDITOR)
    _signed_in(client, session, auditor, home="/trace")
    page = client.get(f"/trace/{CODE}?producer={world.buyer.uscc}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for firm in (world.producer, world.buyer):
        assert f"{CODE} 甲醇 · {firm.name}</title>" in text
    assert client.get(f"/trace/{CODE}?producer=nobody").status_code == 422


def test_the_firm_home_names_the_producers_of_lots_sharing_a_code(client, session, world, lots):
    _signed_in(client, session, world.buyer_user)
    page = client.get("/firm").get_data(as_text=True)
    for firm in (world.producer, lots.second):
        assert f'{CODE} <small translate="no">· {firm.name}</small>' in page


def test_the_reads_take_the_producer_by_uscc(api, world, lots):
    for who in ("buyer", "auditor"):
        for firm in (world.producer, lots.second):
            paths = [f"batches/{CODE}?producer={firm.uscc}"]
            if who == "auditor":  # the trace is the authorities'
                paths.append(f"batches/{CODE}/trace?producer={firm.uscc.lower()}")
            for path in paths:
                answer = api("get", path, who=who)
                assert answer.status_code == 200, (who, path, answer.get_json())
                body = answer.get_json()
                producers = [body["batch"]["producer_id"]] if "holdings" in body else [
                    b["producer"]["id"] for b in body["batches"]]
                assert producers == [str(firm.id)], (who, path)
    assert api("get", f"batches/{CODE}?producer={world.carrier.uscc}", who="buyer").status_code == 404
