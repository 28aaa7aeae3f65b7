"""The ``hazledger`` command line (CONTRACT.md): groups registered from one list.

A command's module is imported when the command runs (or shows its own help), not with the command line: ``route
check`` does not import the ledger's services, and ``hazledger --help`` imports none of them (it lists each command
with the short help kept in :data:`COMMANDS`, which a test holds to the command's own).
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session, sessionmaker

#: Command -> (module, attribute, short help), in the order ``--help`` lists them.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "catalogue": ("app.cli.catalogue", "catalogue", "The chemical catalogue."),
    "corridors": ("app.cli.corridors", "corridors", "Corridors the authority permits."),
    "db": ("app.cli.db", "db_group", "Database schema."),
    "demo": ("app.cli.demo", "demo", "The demo scenario."),
    "gateway": ("app.cli.gateway", "gateway",
                "Serve JT/T 808 terminals (2011/2013/2019 headers) on HOST:PORT, feeding positions to the same "
                "ingestion and live checks as POST /api/v1/track. Ctrl-C or SIGTERM stops it gracefully."),
    "hazard": ("app.cli.hazard", "hazard", "Major hazard sources (GB 18218-2018)."),
    "history": ("app.cli.history", "history",
                "Archive GPS fixes by month (GeoParquet) and re-check past trips on a Dask cluster."),
    "incident": ("app.cli.incident", "incident", "Dangerous-goods incidents: ERG 2016 zones (no database needed)."),
    "ledger": ("app.cli.ledger", "ledger", "The ledger's integrity: hash chain, signed checkpoints, inclusion proofs."),
    "route": ("app.cli.route", "route",
              "Check GPS tracks against corridors and plan hazmat-compliant routes (no database needed)."),
    "rules": ("app.cli.rules", "rules",
              "ADR 2017 / JT/T 617 rules: transport-document line, mixed loading, tunnel restriction code."),
    "serve": ("app.cli.serve", "serve", "Serve the app on HOST:PORT."),
    "trace": ("app.cli.trace", "trace_batch",
              "A batch's chain upstream and/or downstream: batches, entries, documents (or EPCIS 2.0 JSON-LD)."),
    "terminal": ("app.cli.gateway", "terminal", "A simulated JT/T 808 terminal."),
    "track": ("app.cli.track", "track", "Trips in transit: their GPS tracks and silences."),
    "users": ("app.cli.users", "users", "Users and their API tokens."),
    "waste": ("app.cli.waste", "waste", "Hazardous waste."),
}


#: The commands that multiply no matrices (their numpy work is element-wise): for them OpenBLAS's threads, one a core,
#: which numpy starts when it is first imported and which then sit idle, cost a quarter of numpy's import (0.06 of
#: 0.23 s of CPU on this project's host, issue 18).
#: The servers, the demo and the history re-check are left to the libraries' defaults: they run for long, and
#: Dask sets its workers' threads itself.
SINGLE_THREADED_BLAS = frozenset({"catalogue", "corridors", "db", "hazard", "incident", "ledger", "route", "rules",
                                  "terminal", "trace", "track", "users", "waste"})
#: What OpenBLAS reads for its number of threads when it is loaded (OpenBLAS's documentation, "Runtime variables";
#: the four names are in numpy's bundled libscipy_openblas): a value a user set in any of them is theirs to keep.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_DEFAULT_NUM_THREADS")


def single_threaded_blas(command: str) -> None:
    """Ask OpenBLAS for one thread for *command* when it multiplies no matrices, unless the user chose a number.

    Only before numpy is first imported (OpenBLAS reads its variables once, when numpy loads it); afterwards, as in
    a test process, the environment is left as it is. The command's child processes inherit the setting.
    """
    if (command in SINGLE_THREADED_BLAS and "numpy" not in sys.modules
            and not any(os.environ.get(name) for name in BLAS_THREAD_VARIABLES)):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


class CliContext:
    """Builds the app lazily, so commands that need no database never open one.

    A command that only reads and writes through the services (``ledger verify``, ``users create``, ``trace`` …)
    needs no app at all: :attr:`settings` and :meth:`session` give it the configuration, from the loader
    ``create_app`` uses, and a session on the same engine settings, without importing Flask (issue 18: most of
    such a command's start-up). The others ask for :attr:`app`.
    """

    def __init__(self, database_url: str | None):
        self.database_url = database_url
        #: Settings a command gives the app before it is built (``serve`` sizes the connection pool).
        self.config: dict[str, Any] = {"DATABASE_URL": database_url} if database_url else {}
        #: Whether the app serves the API and the pages (``serve``, set before it is built); the other commands
        #: need only its configuration and database, and start without the web stack (issue 18).
        self.web = False
        self._app: Flask | None = None
        self._settings: dict[str, Any] | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def app(self) -> Flask:
        if self._app is None:
            from app import create_app

            self._app = create_app(self.config or None, web=self.web)
        return self._app

    @property
    def settings(self) -> dict[str, Any]:
        """The configuration the app would have (logging set up as ``create_app`` sets it), without the app."""
        if self._settings is None:
            from app.config import load_config

            self._settings = load_config(self.config)
            logging.basicConfig(level=self._settings.get("LOG_LEVEL", "INFO"))
        return self._settings

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the configured database, closed when the block ends (the services commit their work)."""
        if self._sessions is None:
            from models.engine import make_sessionmaker

            self._sessions = make_sessionmaker(self.settings["DATABASE_URL"], self.settings["DATABASE_POOL_SIZE"])
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        if self._sessions is not None:
            self._sessions.kw["bind"].dispose()
        if self._app is not None:
            from app.extensions import db

            db.dispose(self._app)


def _short_help(name: str, limit: int) -> str:
    """A command's short help from :data:`COMMANDS`, cut to *limit* as click cuts the command's own."""
    return click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit)


class HazledgerGroup(click.Group):
    """Loads a command's module when it is asked for; turns a domain error raised by any command into the
    contract's one-line reason and exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _help = COMMANDS[cmd_name]
        single_threaded_blas(cmd_name)
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, from :data:`COMMANDS` (as click writes it, without the imports)."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _short_help(name, limit)) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from app.cli._common import fail
        from app.errors import DomainError

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


def main() -> None:
    cli(prog_name="hazledger")
