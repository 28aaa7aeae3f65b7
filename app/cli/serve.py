"""``hazledger serve``: the web app and API behind a production WSGI server."""
from __future__ import annotations

import gc

import click
import waitress

from app.cli import CliContext
from app.cli.track import Sweeper
from app.services.users import dummy_password_hash
from app.web.maps import prepare_road_network


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads; each open alert stream holds one while it lasts.")
@click.option("--sweep/--no-sweep", default=True, show_default=True,
              help="Sweep for silent trips every MONITOR_SWEEP_SECONDS in a background thread.")
@click.pass_obj
def serve(obj: CliContext, host: str, port: int, threads: int, sweep: bool) -> None:
    """Serve the app on HOST:PORT."""
    obj.config["DATABASE_POOL_SIZE"] = threads  # a connection per thread, kept
    obj.web = True
    app = obj.app
    dummy_password_hash()  # before the first sign-in: an unknown name must cost what a wrong password costs
    # The modules, mappers and schemas built so far live as long as the server. Frozen, they are out of the
    # collector's reach: a request that builds tens of thousands of objects (a 10,000-entry trace) no longer
    # pays for traversing them all again in each full collection it triggers (about 100 ms; issue #4).
    gc.collect()
    gc.freeze()
    if prepare_road_network(app) is not None:  # the first preparation of an extract takes tens of seconds
        click.echo("preparing the road network for the maps in the background")
    every = float(app.config["MONITOR_SWEEP_SECONDS"])
    if sweep and every > 0:
        # Several servers may each sweep: the alert keys and the trips' state locks make that harmless.
        Sweeper(app, every).start()
        click.echo(f"sweeping for silent trips every {every:g} s")
    click.echo(f"hazledger serving on http://{host}:{port}/ (Ctrl-C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="hazledger")
