"""``hazledger track replay`` against the app served on a loopback port, with a committed database."""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import create_app
from app.cli import cli
from app.extensions import db
from models import GpsFix, Waybill
from models.engine import make_engine
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.paths import DEMO_CORRIDOR
from tests.serving import serving

TRACK = DEMO_CORRIDOR.with_name("demo_track_detour.csv")
#: The recorded track starts at 2026-01-01 08:00 UTC: its trip departed just before.
DEPARTED = dt.datetime(2026, 1, 1, 7, 59, tzinfo=dt.timezone.utc)


@dataclass
class Road:
    url: str
    waybill: str
    token: str
    requests: list[int]  # the HTTP status of every track request the server answered
    fail_once: set[int]  # answer these request numbers with a 503 after storing, as if the reply were lost

    def replay(self, *args: str, token: str | None = None) -> Any:
        return CliRunner().invoke(cli, ["track", "replay", self.waybill, *args, "--url", self.url,
                                        "--token", token or self.token], catch_exceptions=False)


@pytest.fixture
def road(fresh_database_url) -> Iterator[Road]:
    """A waybill in transit in a committed database, the app serving it, the carrier's token."""
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        trip = build_trip(session)
        waybill = waybill_in_transit(session, trip)
        waybill.departed_at = DEPARTED
        session.commit()
        waybill_id = str(waybill.id)
    app = create_app({"DATABASE_URL": fresh_database_url, "LOG_LEVEL": "WARNING"})
    road = Road("", waybill_id, trip.headers["carrier"]["Authorization"].removeprefix("Bearer "), [], set())
    app.wsgi_app = _flaky(app.wsgi_app, road)
    with serving(app) as url:
        road.url = url
        yield road
    db.dispose(app)
    engine.dispose()


def _flaky(wsgi_app, road: Road):  # noqa: ANN001, ANN202 (WSGI callables)
    def middleware(environ, start_response):  # noqa: ANN001, ANN202
        if not environ["PATH_INFO"].endswith("/track"):
            return wsgi_app(environ, start_response)
        number = len(road.requests) + 1
        status: list[str] = []
        body = b"".join(wsgi_app(environ, lambda s, h, *a: status.append(s)))
        road.requests.append(int(status[0].split()[0]))
        if number in road.fail_once:
            start_response("503 Service Unavailable", [("Content-Type", "application/problem+json"),
                                                       ("Retry-After", "0")])
            return [b'{"status": 503, "detail": "reply lost"}']
        start_response(status[0], [("Content-Type", "application/json")])
        return [body]
    return middleware


def _stored(fresh_database_url: str) -> int:
    engine = make_engine(fresh_database_url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(GpsFix))
    engine.dispose()
    return count


def test_a_track_goes_in_batches_and_a_second_replay_stores_nothing(road, fresh_database_url):
    result = road.replay(str(TRACK), "--speedup", "0", "--batch", "50")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == [f"batch {n}/4" for n in range(1, 5)]
    assert "batch 1/4: 50 fixes 08:00:00–08:04:05 → stored 50, duplicates 0, dropped 0" in lines[0]
    assert lines[-1].endswith("in 4 batches: stored 163, duplicates 0, dropped 0; 0 retries")
    again = road.replay(str(TRACK), "--speedup", "0", "--batch", "100")
    assert again.output.splitlines()[-1].endswith("stored 0, duplicates 163, dropped 0; 0 retries")
    assert _stored(fresh_database_url) == 163


def test_a_batch_whose_reply_was_lost_is_sent_again_and_stored_once(road, fresh_database_url):
    road.fail_once = {2}
    result = road.replay(str(TRACK), "--speedup", "0", "--batch", "100")
    assert result.exit_code == 0, result.output
    assert "batch 2/2: 63 fixes 08:08:20–08:13:30 → HTTP 503: reply lost; again in 0 s" in result.output
    assert result.output.splitlines()[-1].endswith("stored 100, duplicates 63, dropped 0; 1 retries")
    assert road.requests == [200, 200, 200] and _stored(fresh_database_url) == 163


def test_batches_leave_when_their_last_fix_was_taken(road, tmp_path):
    track = tmp_path / "three.csv"
    track.write_text("time,lon,lat\n2026-01-01T08:00:00Z,121.4551,31.2047\n2026-01-01T08:00:02Z,121.4552,31.2048\n"
                     "2026-01-01T08:00:04Z,121.4553,31.2049\n", encoding="utf-8")
    started = time.monotonic()
    result = road.replay(str(track), "--speedup", "4", "--batch", "1")
    assert result.exit_code == 0, result.output
    assert 1.0 <= time.monotonic() - started < 5


@pytest.mark.parametrize("args, token, reason", [
    (["missing.csv"], None, "track file not found"),
    ([str(TRACK)], "hzl_not-a-token-at-all", "refused, HTTP 401: Invalid or revoked token."),
])
def test_bad_input_exits_2_with_one_line(road, args, token, reason):
    result = road.replay(*args, "--speedup", "0", token=token)
    assert result.exit_code == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_waybill_that_is_not_on_the_road_is_refused(road):
    road.waybill = "00000000-0000-4000-8000-000000000000"
    result = road.replay(str(TRACK), "--speedup", "0")
    assert result.exit_code == 2 and "refused, HTTP 404" in result.stderr


def test_a_track_recorded_on_another_day_is_retimed_onto_the_trip(road, fresh_database_url):
    """Issue 15: the README's replay stored fixes of 2026-01-01 on a trip that departed in December; the server now
    drops fixes before the departure, and ``--retime`` shifts the track so that it starts at the departure."""
    engine = make_engine(fresh_database_url)
    departed = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)
    with engine.begin() as connection:
        connection.execute(update(Waybill).values(departed_at=departed))
    engine.dispose()
    as_recorded = road.replay(str(TRACK), "--speedup", "0", "--batch", "200")
    assert as_recorded.exit_code == 0, as_recorded.output
    assert as_recorded.output.splitlines()[-1].endswith("stored 0, duplicates 0, dropped 163; 0 retries")
    retimed = road.replay(str(TRACK), "--speedup", "0", "--batch", "200", "--retime")
    assert retimed.exit_code == 0, retimed.output
    assert f"re-timed to start at the departure, {departed:%H:%M:%S} UTC" in retimed.output
    assert retimed.output.splitlines()[-1].endswith("stored 163, duplicates 0, dropped 0; 0 retries")
    assert _stored(fresh_database_url) == 163


def test_retiming_a_waybill_that_has_not_departed_exits_2(road, fresh_database_url):
    engine = make_engine(fresh_database_url)
    with engine.begin() as connection:
        connection.execute(update(Waybill).values(departed_at=None))
    engine.dispose()
    result = road.replay(str(TRACK), "--speedup", "0", "--retime")
    assert result.exit_code == 2 and "has not departed" in result.stderr
