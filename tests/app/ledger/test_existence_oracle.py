"""A batch another enterprise holds and a batch that does not exist look alike to an enterprise: the same
status and the same problem document (its code aside) on every path that names a batch."""
from __future__ import annotations

import datetime as dt

import pytest

from models.types import utcnow
from tests.app.ledger.conftest import produce
from tests.factories import auth

SECRET, MADE_UP = "B-SECRET", "B-NOWHERE"


def _movements(world) -> dict[str, callable]:
    """Postings by the buyer, each naming the batch *code*, at the buyer's own site."""
    site = str(world.buyer_site.id)
    return {
        "consume": lambda code: {"kind": "consume", "batch": code, "site_id": site, "quantity": "1"},
        "dispose": lambda code: {"kind": "dispose", "batch": code, "site_id": site, "quantity": "1"},
        "adjust": lambda code: {"kind": "adjust", "batch": code, "site_id": site, "counted": "5"},
        "transfer": lambda code: {"kind": "transfer", "batch": code, "from_site_id": site, "to_site_id": site,
                                  "quantity": "1"},
        "load": lambda code: {"kind": "load", "batch": code, "from_site_id": site, "quantity": "1",
                              "carrier_id": str(world.carrier.id), "transit_ref": "T-1"},
        "split": lambda code: {"kind": "split", "site_id": site, "inputs": [{"batch": code, "quantity": "1"}],
                               "outputs": [{"code": f"{code}-a", "quantity": "1"}]},
    }


def _anonymous(body: dict, code: str) -> dict:
    """The problem document without what differs from request to request (and the code asked for)."""
    return {key: (value.replace(code, "<code>") if isinstance(value, str) else value)
            for key, value in body.items() if key not in ("instance", "request_id")}


@pytest.mark.parametrize("kind", ["consume", "dispose", "adjust", "transfer", "load", "split"])
def test_another_firms_batch_answers_like_a_made_up_one_on_a_movement(client, session, world, kind):
    produce(session, world, SECRET)
    session.commit()
    body = _movements(world)[kind]
    at = (utcnow() - dt.timedelta(minutes=5)).isoformat()
    answers = [client.post("/api/v1/movements", json={**body(code), "occurred_at": at},
                           headers=auth(world.tokens["buyer"])) for code in (SECRET, MADE_UP)]
    assert answers[0].status_code == answers[1].status_code == 422, [a.get_json() for a in answers]
    assert _anonymous(answers[0].get_json(), SECRET) == _anonymous(answers[1].get_json(), MADE_UP)
    assert "class" not in answers[0].get_data(as_text=True).lower()


def test_another_firms_batch_answers_like_a_made_up_one_on_reading(client, session, world):
    produce(session, world, SECRET)
    session.commit()
    answers = [client.get(f"/api/v1/batches/{code}", headers=auth(world.tokens["buyer"])) for code in (SECRET, MADE_UP)]
    assert answers[0].status_code == answers[1].status_code == 404
    assert _anonymous(answers[0].get_json(), SECRET) == _anonymous(answers[1].get_json(), MADE_UP)


def test_a_batch_the_firm_holds_is_still_its_to_move(client, session, world):
    """Known through its accounts, not only as producer: the buyer consumes what it was sold."""
    produce(session, world, SECRET)
    session.commit()
    at = (utcnow() - dt.timedelta(minutes=30)).isoformat()
    sold = client.post("/api/v1/movements", json={
        "kind": "transfer", "batch": SECRET, "from_site_id": str(world.plant.id),
        "to_site_id": str(world.buyer_site.id), "quantity": "10", "occurred_at": at},
        headers=auth(world.tokens["producer"]))
    assert sold.status_code == 202, sold.get_json()  # offered: the buyer accepts it (issue 25, finding 2)
    accepted = client.post(f"/api/v1/transfers/{sold.get_json()['id']}/accept", json={},
                           headers=auth(world.tokens["buyer"]))
    assert accepted.status_code == 200, accepted.get_json()
    consume = {**_movements(world)["consume"](SECRET), "occurred_at": utcnow().isoformat()}  # after the acceptance
    used = client.post("/api/v1/movements", json=consume, headers=auth(world.tokens["buyer"]))
    assert used.status_code == 201, used.get_json()
