"""``hazledger waste sweep``: alert on hazardous waste stored at its generator past the allowed period."""
from __future__ import annotations

import click

from app.cli import CliContext
from app.cli._common import echo_json, writes
from app.extensions import db
from app.services import unit_of_work
from app.services.alerts import alert_json
from app.services.waste.storage import sweep
from app.services.waste.transfer_rules import sweep_receipts


@click.group("waste")
def waste() -> None:
    """Hazardous waste."""


@waste.command("sweep")
@click.option("--max-days", type=click.IntRange(min=1), default=None,
              help="Allowed storage in days (default: HAZLEDGER_WASTE_MAX_STORAGE_DAYS, 365).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@writes
def sweep_command(obj: CliContext, max_days: int | None, fmt: str) -> None:
    """Raise (once) a WASTE_OVERDUE alert for each waste holding stored too long; end those that are gone. Raise
    (once) a WASTE_TRANSFER alert for each manifest whose receiver has not confirmed receipt in time.

    Exit 0 when the sweep ran, whatever it found: its findings are the alerts (run it daily, e.g. from cron).
    """
    with obj.app.app_context():
        with unit_of_work(db.session):
            report = sweep(db.session, max_days=max_days)
            receipts = sweep_receipts(db.session)
        if fmt == "json":
            echo_json({"max_days": report.max_days, "overdue": report.overdue,
                       "receipts_overdue": receipts.overdue,
                       "changes": [{"change": str(change), "alert": alert_json(alert)}
                                   for alert, change in [*report.changes, *receipts.changes]]})
            return
        click.echo(f"waste stored longer than {report.max_days} days: {report.overdue} holding(s); "
                   f"{len(report.changes)} alert change(s)")
        click.echo(f"manifests past the receiver's deadline: {receipts.overdue}")
        for alert, change in [*report.changes, *receipts.changes]:
            click.echo(f"  {change}: {alert.title}")
