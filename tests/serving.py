"""Serving an app for real on a loopback port, for tests that talk HTTP to it (the CLI, faults)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import waitress
from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve *app* from a thread on a free port of 127.0.0.1 (one thread per request); yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def waitress_serving(app: Flask, threads: int = 4) -> Iterator[tuple[str, int]]:
    """Serve *app* with waitress (as ``hazledger serve`` does) from a thread; yield its (host, port).

    The teardown lets the requests finish while the loop still runs (a stream ends at its next write once its
    client is gone), then stops the loop and only then closes the sockets, from this thread: closing them under
    a running loop raced it (``EBADF`` in the loop's thread, an unclosed socket collected in a later test).
    """
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", int(server.effective_port)
    finally:
        server.task_dispatcher.shutdown(timeout=5)
        stop.set()
        thread.join(10)
        for channel in [c for c in list(server._map.values()) if c is not server and c is not server.trigger]:
            channel.close()
        server.close()
