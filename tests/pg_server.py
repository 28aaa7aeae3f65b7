"""A throw-away PostgreSQL server for the test session, started from the installed binaries.

``initdb`` refuses to run as root, and sessions and CI run as root: then the cluster belongs to the
``postgres`` system user and every server command runs through ``runuser``.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL binaries, or ``$HAZLEDGER_PG_BINDIR``."""
    if os.environ.get("HAZLEDGER_PG_BINDIR"):
        return Path(os.environ["HAZLEDGER_PG_BINDIR"])
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with :meth:`start`, connect with :meth:`url`, stop with :meth:`stop`.

    A throw-away server skips what only protects data from a crash (fsync, waiting for the WAL at commit);
    a *durable* one keeps PostgreSQL's defaults, for tests and benchmarks of what survives a crash.
    """

    def __init__(self, bindir: Path, *, durable: bool = False):
        self.bindir = bindir
        self.durable = durable
        self.basedir = Path(tempfile.mkdtemp(prefix="hazledger-pg-"))
        self.datadir = self.basedir / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.basedir, "postgres", "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._start_server()

    def _start_server(self) -> None:
        options = f"-p {self.port} -k {self.basedir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options,
                  "-l", str(self.basedir / "server.log"), "-w", "-t", "60", "start")

    def restart(self, down_s: float = 1.0) -> None:
        """Stop the server as a crash would (sessions cut, no checkpoint), stay down *down_s*, start it again."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop")
        time.sleep(down_s)
        self._start_server()

    def pid(self) -> int:
        """The postmaster's process id (the sessions' processes are its children)."""
        return int((self.datadir / "postmaster.pid").read_text().split()[0])

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.basedir, ignore_errors=True)
