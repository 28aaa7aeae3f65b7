"""PostgreSQL crashing and restarting while a terminal uploads: no accepted fix is lost, none is stored twice.

The test runs its own durable PostgreSQL server (commits wait for the WAL, as in production) so it can kill it
as a crash would. A client posts batches through the app served on a loopback port and retries what was not
accepted; meanwhile the server goes down for a second and comes back. Requests in the outage must be answered
503 (problem+json, promptly), never 500 and never hang; at the end every batch is accepted and every fix is
in the table once. (With ``synchronous_commit = off``, the throw-away servers' setting, it fails: the batch
accepted last before the crash is gone. A deployment keeps PostgreSQL's default.)
"""
from __future__ import annotations

import threading
import time
from collections import Counter

import numpy as np
import pandas as pd
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app, migrate
from app.cli.track import post
from app.extensions import db
from models import GpsFix
from models.engine import make_engine
from models.types import utcnow
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.pg_server import PostgresServer
from tests.serving import serving

BATCHES, FIXES = 80, 50
DEADLINE_S = 90


@pytest.fixture
def crashable_postgres(postgres_bindir):
    server = PostgresServer(postgres_bindir, durable=True)
    server.start()
    with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("CREATE DATABASE faults")
    yield server
    server.stop()


def _bodies() -> list[bytes]:
    """BATCHES CSV bodies of FIXES fixes, 1 s apart, ending a minute ago."""
    count = BATCHES * FIXES
    start = pd.Timestamp(utcnow()).floor("s") - pd.Timedelta(seconds=count + 60)
    frame = pd.DataFrame({"time": pd.date_range(start, periods=count, freq="s").strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "lon": 121.45 + np.arange(count) * 1e-5, "lat": 31.2})
    return [frame.iloc[n:n + FIXES].to_csv(index=False).encode() for n in range(0, count, FIXES)]


@pytest.mark.postgres
@pytest.mark.slow
def test_a_database_crash_during_uploads_loses_no_accepted_fix(crashable_postgres):
    url = crashable_postgres.url("faults")
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        trip = build_trip(session)
        waybill = waybill_in_transit(session, trip)
        session.commit()
        target = f"/api/v1/waybills/{waybill.id}/track"
    token = trip.headers["carrier"]["Authorization"].removeprefix("Bearer ")
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "ERROR"})
    answers: Counter[int] = Counter()
    accepted: list[dict] = []
    slowest = [0.0]

    def upload(base: str) -> None:
        stop_at = time.monotonic() + DEADLINE_S
        for body in _bodies():
            while time.monotonic() < stop_at:
                sent = time.monotonic()
                status, report, _retry_after = post(base + target, body, token, timeout_s=30)
                slowest[0] = max(slowest[0], time.monotonic() - sent)
                answers[status] += 1
                if status == 200:
                    accepted.append(report)
                    break
                time.sleep(0.05)

    with serving(app) as base:
        client = threading.Thread(target=upload, args=(base,))
        client.start()
        while len(accepted) < 10 and client.is_alive():
            time.sleep(0.01)
        crashable_postgres.restart(down_s=1.0)
        client.join()
    db.dispose(app)

    assert set(answers) <= {200, 503} and answers[503] > 0, answers  # the outage was seen, and only as 503
    assert slowest[0] < 10, "a request hung during the outage"
    assert len(accepted) == BATCHES
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(GpsFix))
    engine.dispose()
    assert stored == BATCHES * FIXES  # nothing lost; the key makes anything stored twice impossible
    assert sum(r["stored"] for r in accepted) <= stored  # a batch committed as the link broke shows as duplicates
