"""``hazledger db``: schema migrations."""
from __future__ import annotations

import click

from app import migrate
from app.cli import CliContext


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_obj
def upgrade(obj: CliContext, revision: str) -> None:
    """Migrate the database to the latest schema."""
    migrate.upgrade(obj.app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_group.command("check")
@click.pass_obj
def check(obj: CliContext) -> None:
    """Fail when the models and the migrations differ."""
    migrate.check(obj.app.config["DATABASE_URL"])
    click.echo("models and migrations agree")
