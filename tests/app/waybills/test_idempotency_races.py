"""Retries that race: identical requests with one Idempotency-Key sent at once, to a served app, all get the
first one's result (and only one resource is written)."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from models import Waybill, WaybillEvent
from models.engine import make_engine
from tests.app.waybills.conftest import build_trip
from tests.serving import serving

CONCURRENT = 20


def _post_at_once(url: str, body: dict, headers: dict[str, str]) -> list[tuple[int, dict]]:
    """*CONCURRENT* identical POSTs released together; each one's status and JSON body."""
    start = threading.Barrier(CONCURRENT)
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={**headers, "Content-Type": "application/json"})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                answers.append((reply.status, json.load(reply)))
        except urllib.error.HTTPError as error:
            answers.append((error.code, json.load(error)))

    threads = [threading.Thread(target=send) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.slow
def test_concurrent_retries_wait_for_the_first_and_replay_it(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        trip = build_trip(session)
        draft = trip.draft()
        session.commit()
    app = create_app({"DATABASE_URL": fresh_database_url, "LOG_LEVEL": "ERROR",
                      "DATABASE_POOL_SIZE": CONCURRENT})
    shipper = trip.headers["shipper"]
    try:
        with serving(app) as base:
            created = _post_at_once(f"{base}/api/v1/waybills", draft,
                                    {**shipper, "Idempotency-Key": "order-race"})
            assert {status for status, _ in created} == {201}, [b for s, b in created if s != 201][:3]
            ids = {body["id"] for _, body in created}
            assert len(ids) == 1
            [waybill] = ids
            submitted = _post_at_once(f"{base}/api/v1/waybills/{waybill}/submit", {"row_version": 1},
                                      {**shipper, "Idempotency-Key": "submit-race"})
            assert {status for status, _ in submitted} == {200}, [b for s, b in submitted if s != 200][:3]
            assert len({json.dumps(body, sort_keys=True) for _, body in submitted}) == 1
    finally:
        db.dispose(app)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Waybill)) == 1
        assert session.scalar(select(func.count()).select_from(WaybillEvent)) == 2  # draft, submitted
    engine.dispose()
