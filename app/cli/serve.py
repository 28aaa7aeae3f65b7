"""``hazledger serve``: the web app and API behind a production WSGI server."""
from __future__ import annotations

import click
import waitress

from app.cli import CliContext


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(obj: CliContext, host: str, port: int, threads: int) -> None:
    """Serve the app on HOST:PORT."""
    obj.config["DATABASE_POOL_SIZE"] = threads  # a connection per thread, kept
    click.echo(f"hazledger serving on http://{host}:{port}/ (Ctrl-C to stop)")
    waitress.serve(obj.app, host=host, port=port, threads=threads, ident="hazledger")
