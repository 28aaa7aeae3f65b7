"""``hazledger demo load``."""
from __future__ import annotations

import click

from app.cli import CliContext
from app.cli._common import echo_json, writes
from app.extensions import db
from app.services.demo import DEMO_PASSWORD, USERS, load_demo


@click.group("demo")
def demo() -> None:
    """The demo scenario."""


@demo.command("load")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--without-track", is_flag=True,
              help="Post no GPS for the tanker: leave it to its terminal (hazledger terminal demo).")
@click.pass_obj
@writes
def load(obj: CliContext, fmt: str, without_track: bool) -> None:
    """Load the demo scenario and print a fresh API token for each demo user."""
    with obj.app.app_context():
        result = load_demo(db.session, ttl_days=obj.app.config["TOKEN_TTL_DAYS"], drive=not without_track)
    if fmt == "json":
        echo_json(result)
        return
    click.echo("demo scenario loaded; API tokens (shown once):")
    for role, token in result["tokens"].items():
        click.echo(f"  {role:<10} {token}")
    names = ", ".join(name for _, name, *_ in USERS)
    click.echo(f"web pages: sign in as one of {names} with the password {DEMO_PASSWORD}")
