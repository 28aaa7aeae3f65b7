"""The ``hazledger`` command line (CONTRACT.md): groups registered from one list."""
from __future__ import annotations

from typing import Any

import click
from flask import Flask

from app.cli._common import fail
from app.errors import DomainError


class CliContext:
    """Builds the app lazily, so commands that need no database never open one."""

    def __init__(self, database_url: str | None):
        self.database_url = database_url
        #: Settings a command gives the app before it is built (``serve`` sizes the connection pool).
        self.config: dict[str, Any] = {"DATABASE_URL": database_url} if database_url else {}
        self._app: Flask | None = None

    @property
    def app(self) -> Flask:
        if self._app is None:
            from app import create_app

            self._app = create_app(self.config or None)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            from app.extensions import db

            db.dispose(self._app)


class HazledgerGroup(click.Group):
    """Turns a domain error raised by any command into the contract's one-line reason and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as error:
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in (error.errors or {}).items())
            fail(f"{error.detail} {details}".strip())


@click.group(cls=HazledgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", envvar="HAZLEDGER_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default sqlite:///instance/hazledger.db).")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """hazledger: hazardous-chemical lifecycle ledger, e-waybills and route compliance."""
    ctx.obj = CliContext(database_url)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from app.cli.catalogue import catalogue
    from app.cli.corridors import corridors
    from app.cli.db import db_group
    from app.cli.demo import demo
    from app.cli.gateway import gateway, terminal
    from app.cli.hazard import hazard
    from app.cli.history import history
    from app.cli.incident import incident
    from app.cli.ledger import ledger, trace_batch
    from app.cli.route import route
    from app.cli.rules import rules
    from app.cli.serve import serve
    from app.cli.track import track
    from app.cli.users import users
    from app.cli.waste import waste

    for command in (db_group, users, demo, catalogue, corridors, ledger, trace_batch, route, track, serve, waste,
                    rules, hazard, incident, gateway, terminal, history):
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="hazledger")
