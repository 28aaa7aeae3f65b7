"""``hazledger gateway`` as a process: it prints where it listens, answers, and stops gracefully on SIGTERM."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from app.gateway.framing import FrameReader
from app.gateway.messages import Result, decode_general_answer
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
