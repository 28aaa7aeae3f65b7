"""The gateway as a real TCP server: terminals on client sockets, the database committed for real.

Two carriers each run a vehicle that is on no waybill (their fixes are kept for the vehicle); terminals speak
both editions. Timeouts are hang guards only (far beyond the normal time); nothing asserts a duration.
"""
from __future__ import annotations

import asyncio
import logging
import dataclasses
import datetime as dt
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.gateway import messages as m
from app.gateway.server import Backend, Batcher, Gateway, Services, Stats, flask_runner
from app.services.terminal_feed import store_activity
from app.services.terminals import Authenticated
from app.gateway.simulator import SimulatedTerminal
from models import Alert, AlertKind, Role, Terminal, VehicleFix
from models.engine import make_engine
from tests.app.gateway.frames import auth_body, batch_body, frame, location_body
from tests.factories import auth, make_carrier, make_user, make_vehicle

GUARD_S = 120
TERMINAL_A, TERMINAL_B = "013900000001", "13900000002"  # B's typed without the leading zero


@dataclass
class Fleet:
    app: Any
    session: Session
    headers: dict[str, dict[str, str]]
    vehicles: dict[str, Any]


@pytest.fixture
def fleet(fresh_database_url: str) -> Iterator[Fleet]:
    app = create_app({"TESTING": True, "DATABASE_URL": fresh_database_url})
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        first, second = make_carrier(session, name="甲运输"), make_carrier(session, name="乙运输")
        vehicles = {"a": make_vehicle(session, first, gps_terminal_id=TERMINAL_A),
                    "b": make_vehicle(session, second, gps_terminal_id=TERMINAL_B)}
        headers = {"supervisor": auth(make_user(session, Role.SUPERVISOR)[1]),
                   "carrier_a": auth(make_user(session, Role.ENTERPRISE, enterprise=first)[1]),
                   "carrier_b": auth(make_user(session, Role.ENTERPRISE, enterprise=second)[1]),
                   "shipper": auth(make_user(session, Role.ENTERPRISE)[1])}
        session.commit()
        yield Fleet(app, session, headers, vehicles)
    engine.dispose()
    db.dispose(app)


def run_gateway(fleet: Fleet, scenario: Callable[[Gateway, str, int], Awaitable[Any]], **kwargs: Any) -> Any:
    """Start a gateway on a free port, play *scenario* against it, stop it gracefully."""
    backend = Backend(flask_runner(fleet.app))

    async def main() -> Any:
        gateway = Gateway(backend, interval=kwargs.pop("interval", 0.05), **kwargs)
        host, port = await gateway.start("127.0.0.1", 0)
        try:
            return await scenario(gateway, host, port)
        finally:
            await gateway.stop()

    try:
        return asyncio.run(asyncio.wait_for(main(), GUARD_S))
    finally:
        backend.close()


async def connected(host: str, port: int, phone: str, version: int | None = None) -> SimulatedTerminal:
    terminal = SimulatedTerminal(phone, version=version)
    await terminal.connect(host, port)
    return terminal


async def signed_in(host: str, port: int, phone: str, version: int | None = None) -> SimulatedTerminal:
    terminal = await connected(host, port, phone, version)
    result, code = await terminal.register()
    assert result is m.RegisterResult.SUCCESS and code
    edition = 2013 if version is None else 2019
    assert await terminal.result(m.AUTHENTICATE, auth_body(code, edition)) is m.Result.SUCCESS
    return terminal


T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
EMERGENCY, POWER_CUT = 1 << 0, 1 << 8


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def stored(fleet: Fleet, terminal: str) -> int:
    fleet.session.rollback()  # a new transaction: sees what the gateway committed since
    return fleet.session.scalar(select(func.count()).select_from(VehicleFix).where(VehicleFix.terminal_id == terminal))


def test_a_terminal_session_both_editions(fleet):
    async def scenario(gateway: Gateway, host: str, port: int) -> dict[str, Any]:
        a = await signed_in(host, port, TERMINAL_A)
        b = await signed_in(host, port, "00000000013900000002", version=1)  # 2019: 20 digits, the registry's 11
        answers = {"alarm": await a.result(m.LOCATION, location_body(
            lat=31.2, lon=121.4, at=_at(0), speed_kph=40, alarm=EMERGENCY | POWER_CUT))}
        answers["resent"] = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0), speed_kph=40,
                                                                     alarm=EMERGENCY | POWER_CUT))
        answers["cleared"] = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.401, at=_at(10),
                                                                      speed_kph=40, alarm=POWER_CUT))
        answers["heartbeat"] = await a.result(m.HEARTBEAT, b"")
        answers["unknown"] = await a.result(0x0F01, b"\x01\x02")
        # A frame with a bad check code, then a good heartbeat in the same write: the second is answered.
        bad = bytearray(frame(0x0002, TERMINAL_A, 999, b""))
        bad[-2] ^= 0x55
        serial = a.serial + 1
        a.serial = serial
        waiting = a._waiting[(serial, m.GENERAL_ANSWER)] = asyncio.get_running_loop().create_future()
        a.send_raw(bytes(bad) + b"\x00\x13garbage" + frame(0x0002, TERMINAL_A, serial, b""))
        answers["after_garbage"] = m.decode_general_answer((await waiting).body)[2]
        # 2019 edition, a blind-area upload in three packets.
        bodies = [location_body(lat=31.3, lon=121.5 + n / 1000, at=_at(n * 5)) for n in range(6)]
        whole = batch_body(bodies, kind=1)
        parts = [whole[:100], whole[100:200], whole[200:]]
        packet_answers = []
        for n, part in enumerate(parts):
            b.serial += 1
            future = a_loop_future(b, b.serial)
            b.send_raw(frame(0x0704, "00000000013900000002", b.serial, part, version=1, packet=(3, n + 1)))
            packet_answers.append(m.decode_general_answer((await future).body))
        answers["packets"] = [(msg_id, result) for _, msg_id, result in packet_answers]
        assert gateway.stats.malformed == 1
        online = sorted(gateway.online)
        await a.close()
        await b.close()
        return {**answers, "online": online}

    answers = run_gateway(fleet, scenario)
    assert answers == {"alarm": m.Result.SUCCESS, "resent": m.Result.SUCCESS, "cleared": m.Result.SUCCESS,
                       "heartbeat": m.Result.SUCCESS, "unknown": m.Result.NOT_SUPPORTED,
                       "after_garbage": m.Result.SUCCESS, "online": ["013900000001", "13900000002"],
                       "packets": [(0x0704, m.Result.SUCCESS)] * 3}
    # No waybill in transit: kept for the vehicle, once per (terminal, time).
    assert (stored(fleet, TERMINAL_A), stored(fleet, TERMINAL_B)) == (2, 6)
    alerts = {a.details["alarm"]: a for a in fleet.session.scalars(
        select(Alert).where(Alert.kind == AlertKind.TERMINAL_ALARM))}
    assert sorted(alerts) == ["emergency", "power_cut"]
    assert alerts["emergency"].severity == "critical" and alerts["emergency"].ended_at == _at(10)
    assert alerts["power_cut"].ended_at is None
    assert alerts["power_cut"].enterprise_id == fleet.vehicles["a"].carrier_id
    states = {t.terminal_id: t for t in fleet.session.scalars(select(Terminal))}
    assert states[TERMINAL_A].edition == 2013 and states[TERMINAL_B].edition == 2019
    assert not states[TERMINAL_A].connected and states[TERMINAL_A].last_fix_at == _at(10)
    assert states[TERMINAL_A].last_position["alarms"] == ["power_cut"]
    assert states[TERMINAL_B].last_message_id == 0x0704


def a_loop_future(terminal: SimulatedTerminal, serial: int) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    terminal._waiting[(serial, m.GENERAL_ANSWER)] = future
    return future


def test_nothing_is_kept_from_a_terminal_that_did_not_authenticate(fleet):
    async def scenario(gateway: Gateway, host: str, port: int) -> dict[str, Any]:
        stranger = await connected(host, port, "013999999999")
        refused = await stranger.register()
        unauthenticated = await stranger.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0)))
        a = await connected(host, port, TERMINAL_A)
        _, code = await a.register()
        wrong = await a.result(m.AUTHENTICATE, auth_body(code[::-1]))
        before = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0)))
        right = await a.result(m.AUTHENTICATE, auth_body(code))
        logout = await a.result(m.LOGOUT, b"")
        after_logout = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(5)))
        again = await a.result(m.AUTHENTICATE, auth_body(code))  # deregistered: the old code is void
        await stranger.close()
        await a.close()
        return {"refused": refused, "unauthenticated": unauthenticated, "wrong": wrong, "before": before,
                "right": right, "logout": logout, "after_logout": after_logout, "again": again,
                "counted": gateway.stats.unauthenticated}

    answers = run_gateway(fleet, scenario)
    assert answers == {"refused": (m.RegisterResult.NO_TERMINAL, ""), "unauthenticated": m.Result.FAILURE,
                       "wrong": m.Result.FAILURE, "before": m.Result.FAILURE, "right": m.Result.SUCCESS,
                       "logout": m.Result.SUCCESS, "after_logout": m.Result.FAILURE, "again": m.Result.FAILURE,
                       "counted": 3}
    assert stored(fleet, TERMINAL_A) == 0
    assert fleet.session.scalar(select(func.count()).select_from(Terminal)) == 1  # the stranger is nowhere


def test_stopping_answers_what_was_read(fleet, caplog):
    async def scenario(gateway: Gateway, host: str, port: int) -> list[m.Result]:
        a = await signed_in(host, port, TERMINAL_A)
        futures = [a.send(m.LOCATION, location_body(lat=31.2, lon=121.4 + n / 1000, at=_at(n * 5)))
                   for n in range(20)]
        await a._writer.drain()
        while gateway.stats.positions < 20:  # read by the gateway, not yet stored (the interval is long)
            await asyncio.sleep(0.01)
        await gateway.stop()
        answers = [m.decode_general_answer((await f).body)[2] for f in futures]
        await a.close()
        return answers

    with caplog.at_level(logging.INFO, logger="hazledger.gateway"):
        assert run_gateway(fleet, scenario, interval=3600) == [m.Result.SUCCESS] * 20
    assert stored(fleet, TERMINAL_A) == 20
    assert "the 20 positions queued at the stop are stored" in caplog.text  # the log says the drain's outcome
    assert fleet.session.get(Terminal, TERMINAL_A).connected is False


def test_terminals_endpoint(fleet):
    async def scenario(gateway: Gateway, host: str, port: int) -> None:
        a = await signed_in(host, port, TERMINAL_A)
        await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0), speed_kph=12.5))
        b = await signed_in(host, port, TERMINAL_B)
        client = fleet.app.test_client()
        connected_now = client.get("/api/v1/terminals?connected=true", headers=fleet.headers["supervisor"])
        assert sorted(t["terminal"] for t in connected_now.get_json()) == [TERMINAL_A, TERMINAL_B]
        await a.close()
        await b.close()

    run_gateway(fleet, scenario)
    client = fleet.app.test_client()
    everyone = client.get("/api/v1/terminals", headers=fleet.headers["supervisor"])
    assert everyone.status_code == 200 and len(everyone.get_json()) == 2
    own = client.get("/api/v1/terminals", headers=fleet.headers["carrier_a"]).get_json()
    assert [t["terminal"] for t in own] == [TERMINAL_A]
    [mine] = own
    assert mine["plate"] == fleet.vehicles["a"].plate and mine["last_message_id"] == "0x0200"
    assert mine["last_position"]["speed_kph"] == 12.5 and "auth_code" not in mine
    assert client.get(f"/api/v1/terminals/{TERMINAL_A}", headers=fleet.headers["carrier_a"]).status_code == 200
    assert client.get(f"/api/v1/terminals/{TERMINAL_B}", headers=fleet.headers["carrier_a"]).status_code == 404
    assert client.get("/api/v1/terminals/nope", headers=fleet.headers["carrier_a"]).status_code == 404
    assert client.get("/api/v1/terminals", headers=fleet.headers["shipper"]).get_json() == []
    assert client.get("/api/v1/terminals").status_code == 401
    bad = client.get("/api/v1/terminals?connected=maybe", headers=fleet.headers["supervisor"])
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


def test_answers_do_not_wait_for_storage_and_a_full_queue_holds_the_terminal(fleet):
    """A report is answered once queued, while the batch before it is still being stored; with the queue full
    (one position here) the next report is read but neither queued nor answered until the batch is stored."""
    release = threading.Event()

    def slow_store(session: Session, batch: list[Any]) -> dict[str, Any]:
        release.wait(GUARD_S)
        return store_activity(session, batch)

    async def scenario(gateway: Gateway, host: str, port: int) -> dict[str, Any]:
        a = await signed_in(host, port, TERMINAL_A)
        first = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0)))
        await _until(lambda: gateway.batcher.queued == 1 and not gateway.batcher._pending)  # being stored
        stored_at_first_answer = stored(fleet, TERMINAL_A)
        second = a.send(m.LOCATION, location_body(lat=31.2, lon=121.401, at=_at(5)))
        await _until(lambda: gateway.batcher.waiting == 1)
        held = not second.done()
        release.set()
        answer = m.decode_general_answer((await second).body)[2]
        await a.close()
        return {"first": first, "stored then": stored_at_first_answer, "held": held, "second": answer}

    services = dataclasses.replace(Services.default(), store=slow_store)
    assert run_gateway(fleet, scenario, services=services, queue=1) == {
        "first": m.Result.SUCCESS, "stored then": 0, "held": True, "second": m.Result.SUCCESS}
    assert stored(fleet, TERMINAL_A) == 2


def failing_once(calls: list[int], why: str) -> Callable[[Session, list[Any]], dict[str, Any]]:
    """The gateway's storing function, failing its first call as a database that cannot be reached does."""
    def store(session: Session, batch: list[Any]) -> dict[str, Any]:
        calls.append(len(batch))
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception(why))
        return store_activity(session, batch)

    return store


def test_a_batch_the_database_could_not_take_is_stored_later(fleet):
    calls: list[int] = []
    flaky_store = failing_once(calls, "server closed the connection unexpectedly")

    async def scenario(gateway: Gateway, host: str, port: int) -> m.Result:
        a = await signed_in(host, port, TERMINAL_A)
        answer = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0)))
        await _until(lambda: gateway.stats.batches == 1)  # failed once, then stored
        await a.close()
        return answer

    services = dataclasses.replace(Services.default(), store=flaky_store)
    assert run_gateway(fleet, scenario, services=services) == m.Result.SUCCESS
    assert stored(fleet, TERMINAL_A) == 1 and len(calls) == 2


def test_stopping_stores_what_was_read_when_the_database_is_away_for_a_moment(fleet):
    calls: list[int] = []
    flaky_store = failing_once(calls, "database is locked")

    async def scenario(gateway: Gateway, host: str, port: int) -> m.Result:
        a = await signed_in(host, port, TERMINAL_A)
        answer = await a.result(m.LOCATION, location_body(lat=31.2, lon=121.4, at=_at(0)))
        await a.close()
        return answer  # stopping now: the first attempt fails, the next one stores

    services = dataclasses.replace(Services.default(), store=flaky_store)
    assert run_gateway(fleet, scenario, services=services, interval=3600) == m.Result.SUCCESS
    assert stored(fleet, TERMINAL_A) == 1 and len(calls) == 2


def test_a_backlog_is_stored_in_batches_of_whole_terminals_in_the_order_queued():
    """No database: the batcher alone, its storing function recording each batch's terminals and positions."""
    batches: list[list[tuple[str, int]]] = []

    def store(session: Any, batch: list[Any]) -> dict[str, Any]:
        batches.append([(a.terminal_id, len(a.locations)) for a in batch])
        return {"stored": 0, "kept_for_vehicle": 0}

    backend = Backend(lambda fn, *args: fn(None, *args), workers=1)
    fix = m.decode_location(location_body(lat=31.2, lon=121.4, at=_at(0)))

    async def main() -> bool:
        batcher = Batcher(backend, store, 3600, Stats(), batch_limit=3)
        for terminal in ("a", "b", "c", "a"):
            batcher.add(Authenticated(terminal, uuid.uuid4()), m.LOCATION, _at(0), [fix, fix])
        return await batcher.drain() and batcher.queued == 0

    try:
        assert asyncio.run(asyncio.wait_for(main(), GUARD_S))
    finally:
        backend.close()
    assert batches == [[("a", 4)], [("b", 2), ("c", 2)]]
