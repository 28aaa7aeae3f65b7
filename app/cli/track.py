"""``hazledger track sweep``: find trips in transit that have gone silent, once or every N seconds."""
from __future__ import annotations

import logging
import sys
import threading

import click
from flask import Flask

from app.cli import CliContext
from app.cli._common import EXIT_FINDING
from app.extensions import db
from app.services import monitoring
from models import Alert

log = logging.getLogger(__name__)


class Sweeper(threading.Thread):
    """Sweeps for silent trips every *every* seconds until :meth:`stop` (``hazledger serve`` runs one)."""

    def __init__(self, app: Flask, every: float):
        super().__init__(name="hazledger-sweeper", daemon=True)
        self.app, self.every = app, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            self.sweep_once()
            if self.stopped.wait(self.every):
                return

    def sweep_once(self) -> list[Alert]:
        with self.app.app_context():
            try:
                return monitoring.sweep(db.session)
            except Exception:  # a failed pass (database away) must not end the sweeper: the next may work
                log.exception("sweep for silent trips failed; trying again in %s s", self.every)
                return []

    def stop(self) -> None:
        self.stopped.set()


@click.group("track")
def track() -> None:
    """Trips in transit."""


@track.command("sweep")
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Sweep every this many seconds until stopped, instead of once.")
@click.pass_obj
def sweep(obj: CliContext, every: float | None) -> None:
    """Raise or update a signal-gap alert for each trip in transit that has sent no fix for MONITOR_MAX_GAP_S.

    Once: exit 1 when an alert was raised or updated (a finding), 0 when all is quiet.
    """
    if every is not None:
        click.echo(f"sweeping for silent trips every {every:g} s (Ctrl-C to stop)")
        Sweeper(obj.app, every).run()
        return
    with obj.app.app_context():
        changed = monitoring.sweep(db.session)
        for alert in changed:
            click.echo(f"{alert.severity:<8} {alert.kind:<12} {alert.title}")
    click.echo(f"{len(changed)} alert(s) raised or updated")
    sys.exit(EXIT_FINDING if changed else 0)
