"""Several gateway processes on one port (``hazledger gateway --processes N``), so that every core works.

One gateway process stores its batches on one thread, beside its event loop, and Python runs one thread at a
time: a single process uses one core at most. With ``--processes N`` the parent binds N listening sockets to the
same address, each with ``SO_REUSEPORT`` (Linux: the kernel spreads the incoming connections over the sockets of
one port by a hash of the peer's address), then forks N workers. Each serves its own socket with its own event
loop, its own storing thread and its own database connections: a terminal's reports go to the worker of its
connection. Batches of two workers never hold the same terminal at once unless it reconnected meanwhile; then
the trips' state rows serialise them (:mod:`app.services.monitoring`: late fixes are stored, not live-checked),
as for the web app's workers.

The parent marks every terminal disconnected once before forking (a worker must not do it: it would mark those
of the others), then only waits. SIGINT or SIGTERM to the parent is passed on to every worker, which stops
gracefully (:meth:`app.gateway.server.Gateway.stop`); the parent returns when all have, with exit status 1
if one of them failed.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import NoReturn

log = logging.getLogger("hazledger.gateway")
#: The backlog of each listening socket: thousands of terminals connect at once after an outage.
BACKLOG = 4096


def reuse_port_supported() -> bool:
    """Whether the kernel spreads one port's connections over several sockets (Linux ``SO_REUSEPORT``)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """*count* sockets listening on *host*:*port* together (port 0: the first picks a free one, the others join
    it)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((address[0], port, *address[2:]))
            port = sock.getsockname()[1]
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def run_workers(sockets: list[socket.socket], serve: Callable[[int, socket.socket], None]) -> int:
    """Fork a worker per socket, each calling ``serve(index, socket)`` (which returns when it has stopped);
    pass SIGINT and SIGTERM on to them and wait for all; 0 when all stopped cleanly, else 1."""
    pids: dict[int, int] = {}
    for index, sock in enumerate(sockets):
        pid = os.fork()
        if pid == 0:
            _worker(index, sock, sockets, serve)
        pids[pid] = index
    for sock in sockets:
        sock.close()

    def forward(signum: int, _frame: object) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    failed = False
    try:
        while pids:
            pid, status = os.wait()
            index = pids.pop(pid, None)
            if index is not None and os.waitstatus_to_exitcode(status) != 0:
                log.error("gateway worker %d (pid %d) ended with status %d", index, pid,
                          os.waitstatus_to_exitcode(status))
                failed = True
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed else 0


def _worker(index: int, sock: socket.socket, sockets: list[socket.socket],
            serve: Callable[[int, socket.socket], None]) -> NoReturn:
    """In the forked worker: its socket only, the default signal handling, serve, exit (never back into the
    parent's code)."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for other in sockets:
            if other is not sock:
                other.close()
        serve(index, sock)
        status = 0
    except BaseException:  # noqa: B036 - whatever ends the worker is logged, then it exits
        log.exception("gateway worker %d failed", index)
    finally:
        logging.shutdown()
        os._exit(status)
