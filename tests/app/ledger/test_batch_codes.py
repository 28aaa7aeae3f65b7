"""Lot codes are unique per producer (migration 0045): registering a code tells a firm nothing of another's
batches, each firm reads and posts its own lot by its code, and the authorities name the producer when several
use one code."""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy.orm import Session

from app.cli import cli
from app.services.ledger import lifecycle
from app.services.users import set_password
from models import EntryKind, PermitKind, Role
from models.engine import make_engine
from models.types import utcnow
from tests.app.ledger.conftest import an_hour_ago, build_world, grant_permits, produce
from tests.factories import make_user

CODE = "LOT-2026-001"


def _register(api, world, code: str, who: str = "buyer"):
    site = world.buyer_site if who == "buyer" else world.plant
    return api("post", "batches", who=who, json={
        "code": code, "chemical_id": str(world.chemical.id), "site_id": str(site.id), "quantity": "40",
        "produced_at": an_hour_ago().isoformat()})


def _both_use_the_code(api, session, world):
    grant_permits(session, world.buyer, PermitKind.SAFETY_PRODUCTION)
    produce(session, world, CODE)
    session.commit()
    assert _register(api, world, CODE).status_code == 201


def _both_use_the_code_in(session, world):
    """The producer's lot and the buyer's, of one code, written through the service."""
    grant_permits(session, world.buyer, PermitKind.SAFETY_PRODUCTION)
    produce(session, world, CODE)
    lifecycle.introduce(session, world.as_buyer, kind=EntryKind.PRODUCE, code=CODE, chemical_id=world.chemical.id,
                        site_id=world.buyer_site.id, quantity=Decimal("40"), occurred_at=an_hour_ago())
    session.commit()


def test_a_code_another_firm_uses_registers_like_a_new_one(api, session, world):
    grant_permits(session, world.buyer, PermitKind.SAFETY_PRODUCTION)
    produce(session, world, CODE)
    session.commit()
    answers = [_register(api, world, code) for code in (CODE, "LOT-NOBODY-USES")]
    assert [a.status_code for a in answers] == [201, 201], [a.get_json() for a in answers]
    assert answers[0].get_json()["producer_id"] == str(world.buyer.id)
    again = _register(api, world, CODE)  # its own code, a second time: refused, about its own lot only
    assert again.status_code == 409 and again.get_json()["errors"] == {"code": ["already in use"]}


def test_each_firm_reads_and_posts_its_own_lot_by_the_code(api, session, world):
    _both_use_the_code(api, session, world)
    for who, owner, kg in (("buyer", world.buyer, "40.000"), ("producer", world.producer, "100.000")):
        batch = api("get", f"batches/{CODE}", who=who).get_json()["batch"]
        assert (batch["producer_id"], batch["quantity_kg"]) == (str(owner.id), kg)
    consumed = api("post", "movements", who="buyer", json={
        "kind": "consume", "batch": CODE, "site_id": str(world.buyer_site.id), "quantity": "5",
        "occurred_at": an_hour_ago().isoformat()})
    assert consumed.status_code == 201, consumed.get_json()
    assert api("get", f"batches/{CODE}", who="buyer").get_json()["holdings"][0]["balance_kg"] == "35.000"
    assert api("get", f"batches/{CODE}", who="producer").get_json()["holdings"][0]["balance_kg"] == "100.000"


def test_the_authorities_name_the_producer_of_a_shared_code(api, session, world):
    _both_use_the_code(api, session, world)
    for path in (f"batches/{CODE}", f"batches/{CODE}/trace"):
        ambiguous = api("get", path, who="auditor")
        assert ambiguous.status_code == 409 and ambiguous.get_json()["code"] == "ambiguous_batch"
        assert set(ambiguous.get_json()["errors"]["producer"]) == {str(world.buyer.id), str(world.producer.id)}
    one = api("get", f"batches/{CODE}?producer={world.buyer.id}", who="auditor").get_json()["batch"]
    assert one["producer_id"] == str(world.buyer.id)
    traced = api("get", f"batches/{CODE}/trace?producer={world.producer.id}", who="auditor").get_json()
    assert [b["producer"]["id"] for b in traced["batches"]] == [str(world.producer.id)]


def test_the_trace_command_names_the_producer(fresh_database_url):
    """``hazledger trace CODE --producer ID`` on a code two producers use; without it, exit 2 and the reason."""
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        world = build_world(session)
        _both_use_the_code_in(session, world)
        buyer = str(world.buyer.id)
    engine.dispose()

    def run(*options: str):
        return CliRunner().invoke(cli, ["--database-url", fresh_database_url, "trace", CODE, *options])

    ambiguous = run()
    assert ambiguous.exit_code == 2 and "name the producer" in ambiguous.stderr
    named = run("--producer", buyer)
    assert named.exit_code == 0, named.output
    assert [b["producer"]["id"] for b in json.loads(named.stdout)["batches"]] == [buyer]


def test_a_firm_names_its_lot_like_the_lot_it_bought_and_the_chain_tells_them_apart(api, session, world):
    """The buyer splits the producer's lot into a lot of its own with the same code: its postings name its own,
    and the EPCIS document gives the two lots two classes (producer and code)."""
    produce(session, world, CODE)
    session.commit()
    sold = api("post", "transfers", json={"batch": CODE, "from_site_id": str(world.plant.id),
                                          "to_site_id": str(world.buyer_site.id), "quantity": "10",
                                          "occurred_at": (utcnow() - dt.timedelta(minutes=30)).isoformat()})
    assert sold.status_code == 201, sold.get_json()
    assert api("post", f"transfers/{sold.get_json()['id']}/accept", who="buyer", json={}).status_code == 200
    split = api("post", "movements", who="buyer", json={
        "kind": "split", "site_id": str(world.buyer_site.id), "occurred_at": utcnow().isoformat(),
        "inputs": [{"batch": CODE, "quantity": "10"}], "outputs": [{"code": CODE, "quantity": "10"}]})
    assert split.status_code == 201, split.get_json()
    mine = api("get", f"batches/{CODE}", who="buyer").get_json()
    assert mine["batch"]["producer_id"] == str(world.buyer.id) and mine["holdings"][0]["balance_kg"] == "10.000"
    epcis = api("get", f"batches/{CODE}/trace?producer={world.buyer.id}&format=epcis", who="auditor").get_json()
    classes = {q["epcClass"] for event in epcis["epcisBody"]["eventList"]
               for q in event.get("inputQuantityList", []) + event.get("outputQuantityList", [])}
    assert classes == {f"urn:hazledger:batch:{firm.id}:{CODE}" for firm in (world.producer, world.buyer)}


def test_the_trace_pages_name_the_producer(client, session, world):
    """The auditor's pages link every lot with its producer, so a code two producers use opens each lot's page."""
    _both_use_the_code_in(session, world)
    auditor, _ = make_user(session, Role.AUDITOR)
    set_password(session, auditor, "auditor password")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/login", data={"name": auditor.name, "password": "auditor password", "csrf_token": token})
    assert client.get(f"/trace/{CODE}").status_code == 409
    index = client.get("/trace").get_data(as_text=True)
    for firm in (world.producer, world.buyer):
        link = f"/trace/{CODE}?producer={firm.id}"
        assert link in index
        page = client.get(link)
        assert page.status_code == 200 and f"trace.json?direction=both&amp;producer={firm.id}" in page.get_data(
            as_text=True)
