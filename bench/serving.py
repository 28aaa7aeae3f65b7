"""The real server for benchmarks: ``hazledger serve`` (waitress) in processes of its own, and their CPU time.

Shared by the benchmarks that measure through HTTP what a deployment would see, rather than the in-process
Flask test client: the request parsing is waitress's, and the client's work is on another core.
"""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.paths import REPO


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes *pids* (and, for a PostgreSQL postmaster, its children) used."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid in pids or parent in pids:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@contextmanager
def served(url: str, workers: int, threads: int, log_dir: Path,
           env: dict[str, str] | None = None) -> Iterator[list[tuple[int, int]]]:
    """``hazledger serve`` in *workers* processes (with *env* added to their environment); yield their process
    ids and ports."""
    ports = [_free_port() for _ in range(workers)]
    env = {**os.environ, "HAZLEDGER_LOG_LEVEL": "WARNING", **(env or {})}
    processes = []
    for port in ports:
        log = (log_dir / f"serve-{port}.log").open("w")
        processes.append(subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "--database-url", url, "serve",
             "--port", str(port), "--threads", str(threads)], cwd=REPO, env=env, stdout=log, stderr=log))
    try:
        for port in ports:
            _wait_until_up(port)
        yield [(process.pid, port) for process, port in zip(processes, ports)]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not come up")
