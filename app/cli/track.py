"""``hazledger track``: ``sweep`` finds trips in transit gone silent; ``replay`` posts a recorded GPS track.

``replay`` posts the track (CSV, GeoJSON or GPX, read and validated as by ``route check``) to a waybill as its
terminal would, in batches of ``--batch`` fixes, as CSV, to ``POST /api/v1/waybills/{id}/track``; a batch
leaves once its last fix was taken, on the track's clock divided by ``--speedup`` (0: as fast as possible). A
batch that got no answer, a 5xx or a 429 is sent again, unchanged, after a pause (the server's
``Retry-After``, else growing): the API keys fixes on (terminal, time), so a batch that was stored after all
only comes back as duplicates. A refusal (any other 4xx) ends the replay with exit status 2 and the server's
reason; the batches before it stay stored.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
from flask import Flask

from app.cli import CliContext
from app.cli._common import EXIT_FINDING, fail
from app.extensions import db
from app.services import monitoring
from app.services.alert_policy import settle
from app.services.incidents.traffic import lapse as lapse_incident_zones
from app.services.ledger.checkpoints import checkpoint_if_due, load_signing_key
from models import Alert, Checkpoint
from models.engine import expecting_writes
from models.types import utcnow
from routing import RoutingInputError
from routing._lazy import lazy
from routing.tracks import Track, read_track

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

log = logging.getLogger(__name__)


class Sweeper(threading.Thread):
    """Sweeps for silent trips every *every* seconds until :meth:`stop` (``hazledger serve`` runs one); on the
    same pass it resolves the alerts whose situation is over and signs a ledger checkpoint when one is due
    (``LEDGER_CHECKPOINT_SECONDS``)."""

    def __init__(self, app: Flask, every: float):
        super().__init__(name="hazledger-sweeper", daemon=True)
        self.app, self.every = app, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            self.sweep_once()
            self.checkpoint_if_due()
            if self.stopped.wait(self.every):
                return

    def sweep_once(self) -> list[Alert]:
        """Silent trips, then the alerts whose situation is over (``alert_policy.settle``), then the incident zones
        whose time is up."""
        with self.app.app_context(), expecting_writes():
            try:
                changed = monitoring.sweep(db.session) + settle(db.session)
                lapse_incident_zones(db.session, utcnow())
                return changed
            except Exception:  # a failed pass (database away) must not end the sweeper: the next may work
                log.exception("sweep for silent trips failed; trying again in %s s", self.every)
                return []

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Checkpoints on a schedule: the chain's head signed at least every ``LEDGER_CHECKPOINT_SECONDS``."""
        seconds = float(self.app.config["LEDGER_CHECKPOINT_SECONDS"])
        if seconds <= 0:
            return None
        with self.app.app_context(), expecting_writes():
            try:
                return checkpoint_if_due(db.session, load_signing_key(self.app.config["SIGNING_KEY_PATH"]),
                                         dt.timedelta(seconds=seconds))
            except Exception:  # as above: the next pass may work
                log.exception("scheduled ledger checkpoint failed; trying again in %s s", self.every)
                return None

    def stop(self) -> None:
        self.stopped.set()


#: Longest pause between two attempts at one batch, seconds.
MAX_PAUSE_S = 10.0


@dataclass(frozen=True)
class Batch:
    """One request's worth of fixes: the CSV body and what the summary line shows."""

    body: bytes
    count: int
    first_ns: int
    last_ns: int


def batches(recorded: Track, size: int) -> list[Batch]:
    """Cut *recorded* into CSV bodies of at most *size* fixes, in time order."""
    times = np.datetime_as_string(recorded.time_ns.astype("datetime64[ns]"), unit="us", timezone="UTC")
    columns = {"time": times, "lon": recorded.lon, "lat": recorded.lat}
    if recorded.speed_kph is not None:
        columns["speed"] = recorded.speed_kph
    frame = pd.DataFrame(columns)
    return [Batch(frame.iloc[start:start + size].to_csv(index=False).encode(), min(size, len(frame) - start),
                  int(recorded.time_ns[start]), int(recorded.time_ns[min(start + size, len(frame)) - 1]))
            for start in range(0, len(frame), size)]


def post(url: str, body: bytes, token: str, timeout_s: float = 30.0) -> tuple[int, dict[str, Any], float | None]:
    """POST one CSV batch: the HTTP status (0 when no answer came), the JSON body, the server's Retry-After."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "text/csv", "Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, json.loads(response.read()), None
    except urllib.error.HTTPError as error:
        retry_after = error.headers.get("Retry-After", "")
        return error.code, _json(error.read()), float(retry_after) if retry_after.isdigit() else None
    except (urllib.error.URLError, OSError) as error:  # refused, reset, timed out: the batch may or may not be in
        return 0, {"detail": str(getattr(error, "reason", error))}, None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {"detail": raw.decode(errors="replace")[:200]}
    return parsed if isinstance(parsed, dict) else {"detail": str(parsed)[:200]}


def _retryable(status: int) -> bool:
    return status in (0, 408, 429) or status >= 500


def _clock(ns: int) -> str:
    return str(np.datetime64(ns, "ns").astype("datetime64[s]"))[11:]


@click.group("track")
def track() -> None:
    """Trips in transit: their GPS tracks and silences."""


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


@track.command("replay")
@click.argument("waybill", type=click.UUID)
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--speedup", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Play the track this many times faster than it was recorded; 0: as fast as possible.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, envvar="HAZLEDGER_URL",
              help="The hazledger server (or HAZLEDGER_URL).")
@click.option("--token", envvar="HAZLEDGER_TOKEN", required=True,
              help="The carrier's API token (or HAZLEDGER_TOKEN).")
@click.option("--batch", "batch_size", type=click.IntRange(1, 10_000), default=30, show_default=True,
              help="Fixes per request.")
@click.option("--retries", type=click.IntRange(min=0), default=8, show_default=True,
              help="Further attempts at a batch the server did not answer or could not take.")
@click.option("--retime", is_flag=True,
              help="Shift the track's times so that its first fix is the waybill's departure (the server drops "
                   "fixes timed before the trip).")
def replay(waybill: uuid.UUID, path: Path, speedup: float, url: str, token: str, batch_size: int,
           retries: int, retime: bool) -> None:
    """Post the track in FILE to WAYBILL in batches, paced by its fix times; one line per batch."""
    try:
        recorded = read_track(path)
    except RoutingInputError as error:
        fail(str(error))
    if retime and len(recorded):
        departed = _departure(f"{url.rstrip('/')}/api/v1/waybills/{waybill}", token)
        recorded = replace(recorded, time_ns=recorded.time_ns - recorded.time_ns[0] + departed)
        click.echo(f"{path.name}: re-timed to start at the departure, {_clock(departed)} UTC")
    for dropped in recorded.dropped:
        click.echo(f"{path.name}: {dropped['count']} × {dropped['reason']} not sent (rows {dropped['rows']})")
    target = f"{url.rstrip('/')}/api/v1/waybills/{waybill}/track"
    parts = batches(recorded, batch_size)
    totals = {"stored": 0, "duplicates": 0, "dropped": 0, "retries": 0}
    started = time.monotonic()
    for number, part in enumerate(parts, 1):
        if speedup:
            time.sleep(max(0.0, started + (part.last_ns - recorded.time_ns[0]) / 1e9 / speedup - time.monotonic()))
        label = f"batch {number}/{len(parts)}: {part.count} fixes {_clock(part.first_ns)}–{_clock(part.last_ns)}"
        report = _send(target, part, token, retries, label, totals)
        for key in ("stored", "duplicates"):
            totals[key] += report[key]
        totals["dropped"] += sum(d["count"] for d in report["dropped"])
    click.echo(f"replayed {len(recorded)} fixes to waybill {waybill} in {len(parts)} batches: stored "
               f"{totals['stored']}, duplicates {totals['duplicates']}, dropped {totals['dropped']}; "
               f"{totals['retries']} retries")


def _departure(url: str, token: str) -> int:
    """The waybill's departure (UTC nanoseconds), read from the API; exit 2 when it has not departed."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30.0) as response:
            departed = json.loads(response.read()).get("departed_at")
    except urllib.error.HTTPError as error:
        fail(f"cannot read the waybill to re-time the track: HTTP {error.code}: {_json(error.read()).get('detail')}")
    except (urllib.error.URLError, OSError) as error:
        fail(f"cannot read the waybill to re-time the track: {getattr(error, 'reason', error)}")
    if not departed:
        fail("the waybill has not departed: nothing to re-time the track onto")
    return int(pd.Timestamp(departed).value)


def _send(target: str, part: Batch, token: str, retries: int, label: str, totals: dict[str, int]) -> dict[str, Any]:
    """Post *part* until the server takes it or refuses it; print its line; the server's report."""
    for attempt in range(retries + 1):
        sent = time.monotonic()
        status, body, retry_after = post(target, part.body, token)
        if status == 200:
            click.echo(f"{label} → stored {body['stored']}, duplicates {body['duplicates']}, dropped "
                       f"{sum(d['count'] for d in body['dropped'])} ({(time.monotonic() - sent) * 1000:.0f} ms)")
            return body
        reason = f"HTTP {status}: {body.get('detail', '')}" if status else f"no answer ({body['detail']})"
        if not _retryable(status):
            fail(f"{label} refused, {reason}")
        if attempt < retries:
            pause = retry_after if retry_after is not None else min(MAX_PAUSE_S, 0.5 * 2 ** attempt)
            click.echo(f"{label} → {reason}; again in {pause:g} s")
            totals["retries"] += 1
            time.sleep(pause)
    fail(f"{label} not taken after {retries + 1} attempts, last {reason}; run the replay again to resume "
         "(stored fixes are skipped)")
