"""``hazledger gateway``: the JT/T 808 terminal gateway; ``hazledger terminal demo``: a simulated terminal."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import socket
import sys

import click

from app.cli import CliContext
from app.cli._common import fail
from app.gateway import DEFAULT_PORT, QUEUE_LIMIT


@click.command("gateway")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (JT/T 808 fixes none; 6808 by default).")
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.01, 10),
              help="Seconds the reports of all terminals are gathered before they are stored together.")
@click.option("--log-every", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Seconds between the counters in the log.")
@click.option("--queue", default=QUEUE_LIMIT, show_default=True, type=click.IntRange(1),
              help="Positions read but not yet stored beyond which reports wait (back-pressure).")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Gateway processes sharing the port (Linux SO_REUSEPORT), each storing its own terminals' "
                   "reports: one per core.")
@click.pass_obj
def gateway(obj: CliContext, host: str, port: int, interval: float, log_every: float, queue: int,
            processes: int) -> None:
    """Serve JT/T 808 terminals (2011/2013/2019 headers) on HOST:PORT, feeding positions to the same ingestion
    and live checks as POST /api/v1/track. Ctrl-C or SIGTERM stops it gracefully."""
    from app.gateway import workers
    from app.gateway.server import Backend, Gateway, flask_runner, serve_forever

    if processes > 1 and not workers.reuse_port_supported():
        fail("--processes above 1 needs SO_REUSEPORT (Linux)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s")
    obj.config["DATABASE_POOL_SIZE"] = 5  # the workers' threads and the batches' one

    def serve(sock: socket.socket | None = None) -> None:
        backend = Backend(flask_runner(obj.app), workers=4)

        async def main() -> None:
            await serve_forever(Gateway(backend, interval=interval, log_every=log_every, queue=queue), host, port,
                                ready=None if sock else lambda h, p: click.echo(
                                    f"hazledger JT/T 808 gateway on {h}:{p} (Ctrl-C to stop)"), sock=sock)

        try:
            asyncio.run(main())
        finally:
            backend.close()

    if processes == 1:
        serve()
        return
    try:
        sockets = workers.listening_sockets(host, port, processes)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error}")
    from app.services.terminals import disconnect_all

    flask_runner(obj.app)(disconnect_all)  # once for all the workers, before they accept anyone
    obj.close()  # no pooled connection crosses the fork: each worker opens its own
    address = sockets[0].getsockname()
    click.echo(f"hazledger JT/T 808 gateway on {address[0]}:{address[1]} ({processes} processes; Ctrl-C to stop)",
               nl=True)
    sys.stdout.flush()
    status = workers.run_workers(sockets, lambda _, sock: serve(sock))
    if status:
        sys.exit(status)


@click.group("terminal")
def terminal() -> None:
    """A simulated JT/T 808 terminal."""


@terminal.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--edition", type=click.Choice(["2013", "2019"]), default="2013", show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help="Time of the first fix (UTC unless an offset is given; default: 15 minutes ago, so that the "
                   "13.5-minute track has ended).")
def terminal_demo(host: str, port: int, edition: str, start: dt.datetime | None) -> None:
    """Be the demo tanker's terminal: register, authenticate, report the detour and upload the stretch it
    kept back as a blind area. Load the demo with --without-track first."""
    from app.gateway.simulator import drive_demo
    from app.services.demo_track import DEMO_TRACK

    if start is None:
        start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=15)
    elif start.tzinfo is None:
        start = start.replace(tzinfo=dt.timezone.utc)
    try:
        outcome = asyncio.run(drive_demo(host, port, DEMO_TRACK, start=start,
                                         version=None if edition == "2013" else 1))
    except OSError as error:
        fail(f"cannot reach the gateway at {host}:{port}: {error}")
    click.echo(json.dumps(outcome))
