"""``hazledger gateway`` as a process: it prints where it listens, answers, and stops gracefully on SIGTERM; with
``--processes``, several workers on one port."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cli import cli
from app.gateway.framing import FrameReader
from app.gateway import messages as m
from app.gateway.messages import Result, decode_general_answer
from app.gateway.simulator import Fix, SimulatedTerminal
from app.gateway.workers import listening_sockets
from models import VehicleFix
from models.engine import make_engine
from tests.factories import make_carrier, make_vehicle
from tests.app.gateway.frames import frame

GUARD_S = 120


def test_gateway_process_answers_and_stops_on_sigterm(fresh_database_url):
    command = [str(Path(sys.executable).parent / "hazledger"), "--database-url", fresh_database_url, "gateway",
               "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        while line and "gateway on" not in line:
            line = process.stdout.readline()
        port = int(re.search(r":(\d+) ", line).group(1))
        with socket.create_connection(("127.0.0.1", port), timeout=GUARD_S) as client:
            client.sendall(frame(0x0002, "013912345678", 7, b""))  # a heartbeat before authentication
            reader, got = FrameReader(), []
            while not got:
                got = reader.feed(client.recv(4096))
        assert decode_general_answer(got[0].body) == (7, 0x0002, Result.FAILURE)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=GUARD_S) == 0
        assert "gateway stopping" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def test_terminal_demo_without_a_gateway_is_a_one_line_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(cli, ["terminal", "demo", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot reach the gateway") and result.stderr.count("\n") == 1


def test_gateway_processes_share_the_port_store_and_stop_together(fresh_database_url):
    """``--processes 2``: two workers on one port (their own pids), terminals served by either, their reports
    stored; SIGTERM to the parent stops both gracefully (what was read is stored)."""
    engine = make_engine(fresh_database_url)
    numbers = [f"0139700000{n:02d}" for n in range(8)]
    with Session(engine) as session:
        carrier = make_carrier(session)
        for number in numbers:
            make_vehicle(session, carrier, gps_terminal_id=number)
        session.commit()
    command = [str(Path(sys.executable).parent / "hazledger"), "--database-url", fresh_database_url, "gateway",
               "--host", "127.0.0.1", "--port", "0", "--processes", "2", "--interval", "0.05"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        while line and "gateway on" not in line:
            line = process.stdout.readline()
        assert "2 processes" in line
        port = int(re.search(r":(\d+) ", line).group(1))
        at = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.timezone.utc)

        async def terminal(number: str) -> m.Result:
            sim = SimulatedTerminal(number)
            await sim.connect("127.0.0.1", port)
            try:
                result, code = await sim.register()
                assert result is m.RegisterResult.SUCCESS
                assert await sim.authenticate(code) is m.Result.SUCCESS
                return await sim.upload([Fix(at + dt.timedelta(seconds=k), 120.3 + k * 1e-4, 31.5, 30.0)
                                         for k in range(3)])
            finally:
                await sim.close()

        async def fleet() -> list[m.Result]:
            return await asyncio.gather(*(terminal(n) for n in numbers))

        assert asyncio.run(asyncio.wait_for(fleet(), GUARD_S)) == [m.Result.SUCCESS] * len(numbers)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=GUARD_S) == 0
        log = process.stdout.read()
        workers = set(re.findall(r"\[(\d+)\]: JT/T 808 gateway listening", log))
        assert len(workers) == 2 and str(process.pid) not in workers
        assert log.count("gateway stopping") == 2
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(VehicleFix)) == 3 * len(numbers)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        engine.dispose()


def test_listening_sockets_share_one_port():
    sockets = listening_sockets("127.0.0.1", 0, 3)
    try:
        assert len({s.getsockname()[1] for s in sockets}) == 1
    finally:
        for sock in sockets:
            sock.close()


def test_processes_without_reuse_port_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr("app.gateway.workers.reuse_port_supported", lambda: False)
    result = CliRunner().invoke(cli, ["gateway", "--port", "0", "--processes", "2"])
    assert result.exit_code == 2
    assert result.stderr == "error: --processes above 1 needs SO_REUSEPORT (Linux)\n"
