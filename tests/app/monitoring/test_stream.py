"""``GET /api/v1/alerts/stream``: Server-Sent Events of alert changes, scoped like the list, resumable."""
from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.services import alert_signal
from models import AlertEvent
from tests.app.monitoring.conftest import post_fixes
from tests.serving import waitress_serving

STREAM = "/api/v1/alerts/stream"
#: Bounds that tell the behaviour apart, not speed figures (a loaded CI runner is slow): the wake-up tests poll
#: every 10 s and their streams end after 4 s (so the server's shutdown finds them gone), so an alert that arrives
#: at all was woken; the default 0.5 s poll brings one in far less than 10 s.
BEFORE_THE_POLL_S = 5.0
HANG_GUARD_S = 10.0


def parse(text: str) -> list[dict[str, str]]:
    """SSE blocks as dicts (``comment`` for lines starting with a colon)."""
    blocks = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()
        blocks.append(fields)
    return blocks


def detour(road: Any) -> list[dict[str, Any]]:
    return road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.43, 31.204).take()


@pytest.fixture
def short_streams(app):
    app.config.update(ALERT_STREAM_POLL_S=0.02, ALERT_STREAM_HEARTBEAT_S=0.1, ALERT_STREAM_LIFETIME_S=0.3)


def test_the_stream_replays_after_a_position_and_ends(client, road, short_streams):
    post_fixes(client, road, detour(road))
    response = client.get(f"{STREAM}?after=0", headers=road.trip.headers["supervisor"])
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["X-Accel-Buffering"] == "no"
    blocks = parse(response.get_data(as_text=True))
    assert blocks[0] == {"retry": "2000"}
    [change] = [b for b in blocks if b.get("event") == "change"]
    data = json.loads(change["data"])
    assert data["kind"] == "deviation" and data["change"] == "opened" and data["waybill_id"] == road.id
    assert {"comment"} == set(blocks[-1]) and "reconnect" in blocks[-1]["comment"]
    assert any(b.get("comment") == "keep-alive" for b in blocks)  # idle for longer than the heartbeat


def test_without_a_position_the_stream_starts_now(client, road, short_streams):
    post_fixes(client, road, detour(road))
    text = client.get(STREAM, headers=road.trip.headers["supervisor"]).get_data(as_text=True)
    assert "event: change" not in text


def test_last_event_id_wins_over_after(client, road, short_streams):
    post_fixes(client, road, detour(road))
    headers = {**road.trip.headers["supervisor"], "Last-Event-ID": "999999999"}
    assert "event: change" not in client.get(f"{STREAM}?after=0", headers=headers).get_data(as_text=True)


def test_enterprises_see_only_their_alerts_in_the_stream(client, road, short_streams):
    post_fixes(client, road, detour(road))
    for party, sees in (("carrier", True), ("consignee", True), ("outsider", False)):
        text = client.get(f"{STREAM}?after=0", headers=road.trip.headers[party]).get_data(as_text=True)
        assert ("event: change" in text) is sees, party


@pytest.mark.parametrize("url, headers, status", [
    (f"{STREAM}?after=-1", {}, 422),
    (STREAM, {"Last-Event-ID": "ten"}, 422),
])
def test_bad_positions_are_422(client, road, url, headers, status):
    response = client.get(url, headers={**road.trip.headers["supervisor"], **headers})
    assert response.status_code == status and response.mimetype == "application/problem+json"


def test_a_token_in_the_url_is_not_accepted(client, road):
    token = road.trip.headers["supervisor"]["Authorization"].removeprefix("Bearer ")
    response = client.get(f"{STREAM}?token={token}")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


# -- over real HTTP: through waitress (what `hazledger serve` runs) and werkzeug's development server ------------

@contextlib.contextmanager
def serving(app: Any, kind: str) -> Iterator[tuple[str, int]]:
    if kind == "waitress":
        with waitress_serving(app) as address:
            yield address
    else:
        dev = make_server("127.0.0.1", 0, app, threaded=True)
        dev.daemon_threads = False  # so server_close() waits for the streams to end (and give back their connections)
        thread = threading.Thread(target=dev.serve_forever, daemon=True)
        thread.start()
        try:
            yield "127.0.0.1", dev.server_port
        finally:
            dev.shutdown()
            dev.server_close()
            thread.join(5)


class Listener:
    """A client reading the stream block by block, with a timeout."""

    def __init__(self, address: tuple[str, int], headers: dict[str, str]):
        self.connection = http.client.HTTPConnection(*address, timeout=30)
        self.connection.request("GET", STREAM, headers=headers)
        self.response = self.connection.getresponse()
        assert self.response.status == 200 and self.response.getheader("Content-Type").startswith("text/event-stream")

    def block(self) -> dict[str, str]:
        lines = []
        while (line := self.response.readline().decode()) not in ("\n", ""):
            lines.append(line)
        return parse("".join(lines))[0] if lines else {}

    def changes(self, count: int) -> list[dict[str, Any]]:
        found = []
        while len(found) < count:
            block = self.block()
            assert block, f"the stream ended after {len(found)} of {count} changes"
            if block.get("event") == "change":
                found.append({**json.loads(block["data"]), "event_id": int(block["id"])})
        return found

    def close(self) -> None:
        self.response.close()  # else the socket stays open under the response and the server never knows
        self.connection.close()


def _post(address: tuple[str, int], road: Any, fixes: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(f"http://{address[0]}:{address[1]}{road.url}/track", method="POST",
                                     data=json.dumps({"fixes": fixes}).encode(),
                                     headers={**road.trip.headers["carrier"], "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.mark.slow
@pytest.mark.parametrize("server", ["waitress", "werkzeug"])
def test_a_new_alert_reaches_a_connected_client_and_a_reconnect_loses_nothing(committed, server):
    committed.app.config.update(ALERT_STREAM_HEARTBEAT_S=0.3, ALERT_STREAM_LIFETIME_S=30)
    road, session = committed.road, committed.session
    car = road.drive().go(121.42, 31.20).go(121.42, 31.204)
    with serving(committed.app, server) as address:
        with contextlib.closing(Listener(address, road.trip.headers["supervisor"])) as listener:
            assert listener.block() == {"retry": "2000"}
            posted = time.monotonic()
            _post(address, road, car.go(121.425, 31.204).take())
            [opened] = listener.changes(1)
            assert time.monotonic() - posted < HANG_GUARD_S
            assert (opened["kind"], opened["change"]) == ("deviation", "opened")

        # While no one listens: the deviation grows and ends, another opens and an alert is acknowledged.
        _post(address, road, car.go(121.43, 31.204).go(121.43, 31.20).go(121.44, 31.20).take())
        _post(address, road, car.go(121.44, 31.205).go(121.45, 31.205).take())
        ack = urllib.request.Request(f"http://{address[0]}:{address[1]}/api/v1/alerts/{opened['id']}/acknowledge",
                                     method="POST", data=b"{}", headers={**road.trip.headers["supervisor"],
                                                                         "Content-Type": "application/json"})
        urllib.request.urlopen(ack, timeout=10).close()
        missed = list(session.scalars(select(AlertEvent.id).where(AlertEvent.id > opened["event_id"])
                                      .order_by(AlertEvent.id)))
        session.rollback()
        assert len(missed) >= 3

        resume = {**road.trip.headers["supervisor"], "Last-Event-ID": str(opened["event_id"])}
        with contextlib.closing(Listener(address, resume)) as again:
            replayed = again.changes(len(missed))
            assert [c["event_id"] for c in replayed] == missed
            assert [c["change"] for c in replayed][-1] == "acknowledged"
            while (block := again.block()).get("comment") != "keep-alive":
                assert block.get("event") != "change", f"an event beyond those missed: {block}"


def test_a_change_committed_in_the_same_process_wakes_the_stream_before_its_poll(committed):
    """A stream waits for the process's alert commits, not only its poll: with a 10 s poll, a new alert still
    arrives before the poll would bring it (within a second on a quiet machine)."""
    committed.app.config.update(ALERT_STREAM_POLL_S=10, ALERT_STREAM_HEARTBEAT_S=30, ALERT_STREAM_LIFETIME_S=4)
    road = committed.road
    with serving(committed.app, "waitress") as address:
        with contextlib.closing(Listener(address, road.trip.headers["supervisor"])) as listener:
            assert listener.block() == {"retry": "2000"}
            time.sleep(0.2)  # the stream has read the feed and waits
            posted = time.monotonic()
            _post(address, road, road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.425, 31.204).take())
            [opened] = listener.changes(1)
            assert time.monotonic() - posted < BEFORE_THE_POLL_S
            assert (opened["kind"], opened["change"]) == ("deviation", "opened")


@pytest.mark.postgres
def test_a_change_committed_by_another_process_wakes_the_stream_on_postgresql(committed):
    """Another server process's commit reaches this one's streams by PostgreSQL NOTIFY, not their 10 s poll.
    The in-process wake-up is switched off here, so that only the notice can bring the alert in time."""
    if not committed.app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("NOTIFY is PostgreSQL's")
    event.remove(Session, "after_commit", alert_signal._committed)
    try:
        committed.app.config.update(ALERT_STREAM_POLL_S=10, ALERT_STREAM_HEARTBEAT_S=30, ALERT_STREAM_LIFETIME_S=4)
        road = committed.road
        with serving(committed.app, "waitress") as address:
            with contextlib.closing(Listener(address, road.trip.headers["supervisor"])) as listener:
                assert listener.block() == {"retry": "2000"}
                time.sleep(0.5)  # the stream has read the feed and waits; its process listens
                posted = time.monotonic()
                _post(address, road, road.drive().go(121.42, 31.20).go(121.42, 31.204).go(121.425, 31.204).take())
                [opened] = listener.changes(1)
                assert time.monotonic() - posted < BEFORE_THE_POLL_S
                assert (opened["kind"], opened["change"]) == ("deviation", "opened")
    finally:
        event.listen(Session, "after_commit", alert_signal._committed)
