"""Live monitoring of trips in transit: every batch of fixes is checked as it is stored.

What lives where
----------------
- ``gps_fixes``: every fix, as ingestion stored it (:mod:`app.services.tracking`).
- ``trip_states`` (:class:`~models.monitoring.TripState`): where the checks of a trip left off: the newest fix
  checked, the last half minute of fixes (speed baseline), and the open run of each check (:mod:`.runs`).
- ``alerts`` / ``alert_events``: one alert per episode that lasted, and its change feed
  (:mod:`app.services.alerts`).

A batch is checked in the transaction that stores it (:func:`check_batches`, called by ``ingest`` for the
fixes of one vehicle or of many): the trips' state rows are taken ``FOR UPDATE`` in one query, the fixes newer
than each state's are checked against the trip's corridor, zones, sites and thresholds with the state's open
runs in front (:mod:`.facts`, :mod:`.checks`, :mod:`.gaps`), the runs that last raise or update their alerts,
and each state moves on. The cost per batch is a few small queries (as many for fifty vehicles as for one,
:func:`.trip.load_trips`), the per-fix tests of all the batch's fixes at once (:func:`check_group`), and each
trip's runs followed over its own facts: a trip is never re-read.

Several workers
---------------
Any process may check any batch: all it needs is in the database (the corridor geometry is cached per process,
:mod:`.trip`). Two batches of one trip at once are serialised by the state row's lock (PostgreSQL
``SELECT … FOR UPDATE``; SQLite has one writer at a time), and the state's ``row_version`` refuses a write from
a stale copy. Whichever batch takes the lock second sees the state the first left; if its fixes are older they
are *late* (next paragraph). Lock order is ledger chain → fix keys → trip states (by waybill id) → alert feed
everywhere, so no deadlock, whichever vehicles share a batch.

Out-of-order fixes
------------------
Fixes not newer than the newest fix checked (late, or resent) are stored but not live-checked, and counted in
``skipped_fixes``: replaying them into the open runs would rewind the episodes. ``GET …/compliance`` recomputes
the whole trip from every stored fix, late ones included.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.alerts import alert_json
from app.services.gps_store import StoredFixes
from app.services.monitoring import gaps
from app.services.monitoring.arrival import finish_trip
from app.services.monitoring.checks import run_checks
from app.services.monitoring.facts import Facts, facts_of_group
from app.services.monitoring.settings import MonitorSettings, current_settings
from app.services.monitoring.state import StateRow, lock_rows, remember, save_states, take_new
from app.services.monitoring.sweep import sweep
from app.services.monitoring.trip import Trip, TripRef, load_trips
from models import Alert, TripState, Waybill

__all__ = ["MonitorSettings", "TripRef", "check_batches", "check_group", "finish_trip", "sweep", "trip_alerts"]


def check_batches(session: Session, batches: Sequence[tuple[TripRef, StoredFixes]],
                  settings: MonitorSettings | None = None) -> list[Alert]:
    """Check the fixes of one or several trips, just stored together, inside the caller's transaction.

    Each trip's fixes are checked on their own: the same episodes and alerts as if each had come in a request
    of its own; fixes already checked or older than those are skipped. What is shared is the queries (the
    states are locked in one, the trips read in a few: :func:`.trip.load_trips`) and the per-fix work, done
    for all the trips of the batch at once (:func:`check_group`). Returns the alerts the batches opened or
    changed; the caller commits.
    """
    settings = settings or current_settings()
    states = lock_rows(session, [ref.waybill.id for ref, _ in batches])
    fresh: list[tuple[TripRef, StateRow, StoredFixes]] = []
    skipped: list[StateRow] = []
    for ref, fixes in batches:
        state = states[ref.waybill.id]
        before = state.skipped_fixes
        new = take_new(state, fixes)
        if new is not None:
            fresh.append((ref, state, new))
        elif state.skipped_fixes != before:
            skipped.append(state)
    near = {ref.waybill.id: (new.lon, new.lat) for ref, _, new in fresh}
    with session.no_autoflush:  # reads what the states do not change: their UPDATEs go once, at the commit
        trips = load_trips(session, [ref for ref, _, _ in fresh], near=near)
    alerts = check_group(session, [(trips[ref.waybill.id], state, ref.waybill, new) for ref, state, new in fresh],
                         settings)
    save_states(session, [state for _, state, _ in fresh] + skipped)
    return alerts


def check_group(session: Session, group: Sequence[tuple[Trip, TripState | StateRow, Waybill, StoredFixes]],
                settings: MonitorSettings) -> list[Alert]:
    """Check a group of trips, each with its state and its new fixes: the per-fix facts of all of them at once
    (:func:`.facts.facts_of_group`), then each trip's episodes from its own facts. The one place a batch's
    fixes become findings: what changes the fixes before they are judged belongs here."""
    facts = facts_of_group([trip for trip, _, _, _ in group], [state for _, state, _, _ in group],
                           [new for _, _, _, new in group], settings) if group else []
    alerts = []
    for (trip, state, waybill, new), found in zip(group, facts):  # one pass per trip, over its own facts
        alerts += _check(session, trip, state, waybill, new, found, settings)
    return alerts


def _check(session: Session, trip: Trip, state: TripState | StateRow, waybill: Waybill, new: StoredFixes, facts: Facts,
           settings: MonitorSettings) -> list[Alert]:
    alerts = gaps.batch_gaps(session, trip, state, waybill, new, settings)
    if state.fixes_checked == 0:
        alerts += [alert for alert in [gaps.departure(session, trip, waybill)] if alert is not None]
    alerts += run_checks(session, trip, state, facts, settings)
    remember(state, new)
    return alerts


def trip_alerts(session: Session, waybill_id: uuid.UUID) -> list[dict[str, Any]]:
    """The alerts of one trip, in the order their episodes began (the caller has checked the trip is visible)."""
    return [alert_json(alert) for alert in session.scalars(
        select(Alert).where(Alert.waybill_id == waybill_id).order_by(Alert.started_at, Alert.key))]
