"""A manifest's lines name the generator's waste; the disposer disposes of that lot, not of a lot of its own that
has the same code, and a line naming another producer is refused like an unknown batch."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models import Batch, LedgerEntry, PermitKind
from models.types import utcnow
from tests.app.ledger.conftest import grant_permits
from tests.app.waste.conftest import WASTE
from tests.app.waste.test_manifests import count, ready_to_depart


def test_the_disposer_disposes_of_the_generators_lot_not_its_own_of_the_same_code(waste_world, session):
    world = waste_world
    assert world.generate().status_code == 201
    grant_permits(session, world.trip.consignee, PermitKind.SAFETY_PRODUCTION)
    session.commit()
    own = world.call("post", "movements", "consignee", json={
        "kind": "produce", "code": WASTE, "chemical_id": str(world.trip.chemical.id),
        "site_id": str(world.trip.unloading.id), "quantity": "1000",
        "occurred_at": (utcnow() - dt.timedelta(hours=1)).isoformat()})
    assert own.status_code == 201, own.get_json()
    manifest, waybill = ready_to_depart(world, session)
    url = f"waste-manifests/{manifest['id']}"
    assert world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={}).status_code == 200
    assert world.call("post", f"waybills/{waybill['id']}/arrive", "carrier", json={}).status_code == 200
    assert world.call("post", f"{url}/receive", "consignee", json={}).status_code == 200
    disposed = world.call("post", f"{url}/dispose", "consignee", json={})
    assert disposed.status_code == 200, disposed.get_json()
    entry = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "dispose")).one()
    assert entry.batch.producer_id == world.trip.shipper.id


def test_a_line_naming_another_producer_is_an_unknown_batch(waste_world, session):
    world = waste_world
    assert world.generate().status_code == 201
    before = count(session, Batch), count(session, LedgerEntry)
    answers = [world.manifest(lines=[{"batch": batch, "quantity_kg": "800", **named}]).get_json()
               for batch, named in ((WASTE, {"producer": str(world.trip.consignee.id)}),
                                    (WASTE, {"producer": world.trip.consignee.uscc}), ("NO-SUCH-WASTE", {}))]
    assert answers[0]["status"] == 404 and answers[0]["errors"] == answers[2]["errors"] == answers[1]["errors"]
    assert world.manifest(lines=[{"batch": WASTE, "quantity_kg": "800", "producer": world.trip.shipper.uscc}]
                          ).status_code == 201
    assert (count(session, Batch), count(session, LedgerEntry)) == before
