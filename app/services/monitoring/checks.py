"""The run checks: each turns a per-fix condition into runs (:mod:`.runs`) and the runs that last into alerts.

==================  ======================================================  ==============================
run                 a fix counts when                                       an episode when it lasts
==================  ======================================================  ==============================
deviation           outside the corridor, latched until ``hysteresis_m``    ``min_points`` AND
                    back inside (as :func:`routing.checks.find_episodes`)   ``min_seconds``
time_window         on a corridor part while its time window is closed      ``min_points`` AND ``min_seconds``
zone:<tag>          inside a no-entry zone while it applies                 ``min_points``
                    (no-stop zone: stopped inside it)                       (no-stop: AND ``min_seconds``)
stop                stopped (under 5 km/h) away from every permitted        ``min_points`` AND
                    place and outside no-stop zones                         ``stop_minutes``
long_stop           such a stop outside the corridor too: not an alert      ``min_points`` AND
                    but an incident draft (incidents/drafts.py)             ``INCIDENT_LONG_STOP_MINUTES``
overspeed           faster than ``speed_limit_kph``                         ``min_points`` AND
                                                                            ``overspeed_seconds``
==================  ======================================================  ==============================

Fatigue driving is not a run of fixes but a spell of driving time, continued the same way from batch to batch
(:mod:`.fatigue`).

Every run ends after ``min_points`` fixes in a row that do not count (fewer are a gap inside it), so one
noisy fix neither splits an episode nor ends it (``route check`` does not join a no-stop zone's stops across
such gaps; here every run does, a moving-looking fix in a long stop is GPS noise). A run is alerted as soon
as it lasts long enough and updated while it grows; a run that ends before that is forgotten.

*Permitted places* for a stop are the sites of the trip's three parties (its loading and unloading site, and
the shipper's, consignee's and carrier's active sites), within ``site_radius_m``. A stop inside a no-stop zone
is that zone's ``forbidden_zone`` alert, not also a stop. A long stop within ``arrival_near_m`` of the
unloading site but not at it is an ``arrival_elsewhere`` alert instead of a stop.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.services.incidents import drafts
from app.services.monitoring import fatigue, findings
from app.services.monitoring.facts import BoolArray, Facts, FloatArray
from app.services.monitoring.findings import Finding
from app.services.monitoring.roads import RUN as ROADS_RUN, RoadFacts, held_facts
from app.services.monitoring.runs import Fixes, Run, advance, latched, stamp
from app.services.monitoring.settings import MonitorSettings
from app.services.monitoring.trip import Trip
from models import Alert, TripState


class RunFollower:
    """Advances the named runs of a trip's state over one batch and raises the alerts of those that last."""

    def __init__(self, session: Session, trip: Trip, state: TripState, facts: Facts | None,
                 settings: MonitorSettings):
        self.session, self.trip, self.state, self.facts = session, trip, state, facts
        self.release = settings.min_points
        self.open: dict[str, dict[str, Any]] = {}
        self.alerts: list[Alert] = []

    def previous(self, name: str) -> Run | None:
        return Run.from_json(self.state.runs.get(name))

    def lasting(self, name: str, condition: BoolArray, *, min_seconds: float, measure: FloatArray | None = None,
                fixes: Fixes | None = None, labels: list[str] | None = None,
                least: FloatArray | None = None) -> list[tuple[Run, bool]]:
        """Continue run *name* with the *condition* of this batch's fixes (or of *fixes*: those judged by road);
        the runs that last *min_seconds*, each with whether it is over."""
        if self.state.runs.get(name) is None and not condition.any():  # most trips, most batches: nothing to do
            return []
        fixes = fixes if fixes is not None or self.facts is None else self.facts.fixes
        assert fixes is not None
        if not len(fixes):  # nothing judged this time: the run stays as it was
            if self.state.runs.get(name) is not None:
                self.open[name] = self.state.runs[name]
            return []
        ended, still_open = advance(self.previous(name), condition, fixes, release=self.release,
                                    measure=measure, labels=labels, least=least)
        if still_open is not None:
            self.open[name] = still_open.to_json()
        return [(run, over) for run, over in [*((r, True) for r in ended), *([(still_open, False)] if still_open
                                                                             else [])]
                if run.lasted(self.release, min_seconds)]

    def follow(self, name: str, condition: BoolArray, *, min_seconds: float, describe: Callable[[Run], Finding],
               measure: FloatArray | None = None, fixes: Fixes | None = None, labels: list[str] | None = None,
               least: FloatArray | None = None) -> None:
        """Continue run *name* with the *condition* of this batch's fixes (or of *fixes*: those judged by road);
        alert the runs that last *min_seconds*."""
        for run, over in self.lasting(name, condition, min_seconds=min_seconds, measure=measure, fixes=fixes,
                                      labels=labels, least=least):
            alert = findings.raise_run(self.session, self.trip, describe(run), run, ended=over)
            if alert is not None:
                self.alerts.append(alert)


def run_checks(session: Session, trip: Trip, state: TripState, facts: Facts, settings: MonitorSettings) -> list[Alert]:
    """Advance every run check over the batch; the alerts opened or updated. Leaves the open runs in *state*."""
    runs = RunFollower(session, trip, state, facts, settings)
    no_stop = np.zeros(len(facts.fixes), dtype=bool)
    corridor, roads = facts.corridor, facts.roads
    _by_road(runs, trip, roads, settings)
    if corridor is not None:
        runs.follow("time_window", corridor.closed, min_seconds=settings.min_seconds,
                    describe=lambda run: findings.corridor_closed(trip, run))
        for zone, inside in corridor.zones:
            stopping = zone.rule == "no_stop"
            if stopping:
                no_stop |= inside
            runs.follow(f"zone:{findings.zone_tag(zone)}", inside & facts.stopped if stopping else inside,
                        min_seconds=settings.min_seconds if stopping else 0.0,
                        describe=lambda run, zone=zone: findings.forbidden_zone(trip, zone, run))
    stopped_off = facts.stopped & ~facts.permitted & ~no_stop
    runs.follow("stop", stopped_off, min_seconds=settings.stop_minutes * 60,
                describe=lambda run: findings.stop(trip, run, settings))
    if corridor is not None:  # stopped off the corridor too: an incident draft (app/services/incidents/drafts.py)
        for run, _ in runs.lasting("long_stop", stopped_off & corridor.outside,
                                   min_seconds=drafts.long_stop_minutes() * 60):
            drafts.from_long_stop(session, waybill_id=trip.waybill_id, carrier_id=trip.carrier_id,
                                  lon=run.start_lon, lat=run.start_lat, started_at=stamp(run.start_ns),
                                  at=stamp(run.end_ns))
    tired, runs.open[fatigue.RUN] = fatigue.follow(session, trip, state, facts)
    if roads.carry is not None:
        runs.open[ROADS_RUN] = roads.carry
    state.runs = runs.open
    return runs.alerts + tired


def _by_road(runs: RunFollower, trip: Trip, roads: RoadFacts, settings: MonitorSettings) -> None:
    """Advance the checks judged by road (:mod:`.roads`): deviation and overspeed."""
    if roads.corridor is not None:
        deviating = latched(runs.previous("deviation"), roads.corridor.outside, roads.corridor.inside_inner)
        runs.follow("deviation", deviating, min_seconds=settings.min_seconds, measure=roads.corridor.offset_m,
                    fixes=roads.fixes, labels=_where(roads.road, deviating),
                    describe=lambda run: findings.deviation(trip, run, roads.method))
    with np.errstate(invalid="ignore"):
        speeding = roads.kph > roads.limit_kph  # NaN (no road, no limit): not over
    runs.follow("overspeed", speeding, min_seconds=settings.overspeed_seconds, measure=roads.kph, fixes=roads.fixes,
                labels=_where(roads.road, speeding), least=roads.limit_kph,
                describe=lambda run: findings.overspeed(trip, run, settings, roads.method))


def judge_held(session: Session, trip: Trip, state: TripState, settings: MonitorSettings) -> list[Alert]:
    """At the trip's end: judge the fixes the trip's matcher still holds (:func:`.roads.held_facts`); the alerts
    opened or updated. Leaves the runs in *state* for the caller to end."""
    roads = held_facts(trip, state, settings)
    if roads is None:
        return []
    runs = RunFollower(session, trip, state, None, settings)
    _by_road(runs, trip, roads, settings)
    state.runs = {**state.runs, **runs.open}
    return runs.alerts


def _where(labels: list[str], condition: BoolArray) -> list[str]:
    """The labels of the fixes that meet the condition ('' for the others)."""
    return [label if met else "" for label, met in zip(labels, condition.tolist())]
