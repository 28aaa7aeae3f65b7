"""Fatigue driving, live: more than 4 h of driving without a rest of 20 minutes (道路交通安全法实施条例 Art. 62(7)).

The rule and what counts as driving and as a rest are :mod:`routing.fatigue`'s. Here it runs one batch at a time:
the spell of driving (since when, how long, the standstill going on, the episode open) is kept in the trip's
state under :data:`RUN` and continued from the previous batch's last fix, so the episodes come out as over the
whole trip at once. An episode is one alert (its key: the fix where the 4 h were passed), updated while the
driver goes on and ended where the rest of 20 minutes began.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.services.monitoring import findings
from app.services.monitoring.facts import Facts
from app.services.monitoring.runs import nanoseconds, stamp
from app.services.monitoring.trip import Trip
from models import Alert, TripState
from routing.fatigue import DrivingSpell, FatigueEpisode, fatigue_scan

#: The state's entry: ``{"spell": DrivingSpell, "at": [lon, lat] where the open episode began}``.
RUN = "fatigue_driving"


def follow(session: Session, trip: Trip, state: TripState, facts: Facts) -> tuple[list[Alert], dict[str, Any]]:
    """Continue the trip's spell of driving over the batch; the alerts opened or changed, and the entry to keep."""
    kept = state.runs.get(RUN) or {}
    carry = DrivingSpell.from_json(kept.get("spell"))
    fixes = facts.fixes
    if state.last_at is not None:  # continue from the previous batch's last fix (index 0 of the scan)
        time_ns = np.concatenate(([nanoseconds(state.last_at)], fixes.time_ns))
        driving, shift = facts.driving, 1
    else:
        time_ns, driving, shift = fixes.time_ns, facts.driving[1:], 0
    episodes, spell = fatigue_scan(time_ns, driving, carry)
    at = kept.get("at")
    alerts = []
    for episode in episodes:
        if episode.first >= 0:  # began in this batch (index 0 with a carried one is never a new start)
            at = [float(fixes.lon[episode.first - shift]), float(fixes.lat[episode.first - shift])]
        alert = _raise(session, trip, episode, at)
        if alert is not None:
            alerts.append(alert)
    return alerts, {"spell": spell.to_json(), "at": at if spell.over_ns is not None else None}


def _raise(session: Session, trip: Trip, episode: FatigueEpisode, at: list[float] | None) -> Alert | None:
    end = stamp(episode.end_ns)
    lon, lat = at if at else (None, None)
    return findings.raise_finding(session, trip, findings.fatigue_driving(trip, episode),
                                  started_at=stamp(episode.start_ns), last_seen_at=end,
                                  ended_at=end if episode.rested else None, lon=lon, lat=lat)
