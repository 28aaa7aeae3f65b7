"""Fatigue driving: more than 4 h of driving without a rest of at least 20 minutes.

The rule (中华人民共和国道路交通安全法实施条例 第六十二条第（七）项): a driver may not drive a motor vehicle
continuously for more than 4 hours without stopping to rest, or with a rest shorter than 20 minutes.

What the fixes can tell, and how it is read here:

- *Driving* is moving. The time between two fixes (an interval) is driving when the vehicle moved at both
  its fixes: their speed (reported, else from positions over about 30 s, :func:`routing.checks.fix_speeds`) is
  at least :data:`DRIVING_KPH`, the speed under which ``route check`` calls a vehicle stopped. Both, because the
  speed from positions is a 30 s average: the fixes where the vehicle arrives and leaves look half-moving, and
  a 20-minute stop must measure 20 minutes. An interval longer than ``max_gap_s`` (a signal gap: nothing is
  known inside it) is judged by the distance covered: driving when its mean speed is at least
  :data:`DRIVING_KPH`, a standstill (a parked vehicle with its terminal off) otherwise.
- A *rest* is an unbroken standstill of at least :data:`MIN_REST_S` (20 min), from the last fix where the vehicle
  moved to the first where it moves again. It ends the spell of driving; the next one starts from nothing.
  Shorter stops neither end the spell nor count as driving: "4 hours" is 4 hours of driving.
- A *fatigue episode* runs from the first fix where the spell's driving time exceeds :data:`MAX_DRIVING_S`
  (4 h) to the fix where the next rest begins (or the last fix). It says since when the driver has been driving
  (``driving_since``: the first moving fix of the spell) and how long (``driving_s``).

A track starts with nothing driven: driving before the first fix is not known. The scan can be continued from
one batch of fixes to the next (:class:`DrivingSpell`), with the same result as over the whole track at once.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.episodes import fill_runs, runs

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: Moving at this speed or more is driving; under it, stopped.
DRIVING_KPH = 5.0
#: 道路交通安全法实施条例 Art. 62(7): more than 4 h of driving …
MAX_DRIVING_S = 4 * 3600.0
#: … without a rest of at least 20 minutes.
MIN_REST_S = 20 * 60.0


def driving_intervals(time_s: FloatArray, x: FloatArray, y: FloatArray, kph: FloatArray, *,
                      max_gap_s: float) -> BoolArray:
    """Whether each interval between consecutive fixes was driving (see the module): ``len - 1`` values.

    Parameters
    ----------
    time_s : numpy.ndarray
        Fix times in seconds (any origin), in time order.
    x, y : numpy.ndarray
        Metric coordinates of the fixes.
    kph : numpy.ndarray
        Speed at each fix (:func:`routing.checks.fix_speeds`).
    max_gap_s : float
        Longer intervals are signal gaps, judged by the distance covered.
    """
    moving = kph >= DRIVING_KPH
    driving = moving[:-1] & moving[1:]
    dt = np.diff(time_s)
    gap = np.flatnonzero(dt > max_gap_s)  # few: their mean speed only, not a million of them
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_kph = np.hypot(x[gap + 1] - x[gap], y[gap + 1] - y[gap]) / dt[gap] * 3.6
    driving[gap] = mean_kph >= DRIVING_KPH
    return driving


@dataclass(frozen=True)
class DrivingSpell:
    """Where a scan left off, at its last fix: enough to continue it with the next fixes.

    Attributes
    ----------
    driven_s : float
        Driving time of the current spell (since the last rest) up to the last fix.
    since_ns : int or None
        When the spell's driving began (UTC ns); ``None`` before any.
    still_since_ns : int or None
        When the standstill going on at the last fix began (not yet a rest, or a rest going on); ``None`` when
        the vehicle was moving.
    over_ns : int or None
        The first fix of the fatigue episode going on at the last fix, ``None`` when there is none.
    """

    driven_s: float = 0.0
    since_ns: int | None = None
    still_since_ns: int | None = None
    over_ns: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DrivingSpell | None:
        return None if data is None else cls(**data)


@dataclass(frozen=True)
class FatigueEpisode:
    """One episode, by fix index in the scanned arrays (``first`` is -1 when it began before them)."""

    first: int
    last: int
    start_ns: int
    end_ns: int
    driving_since_ns: int
    driving_s: float
    rested: bool  # a rest of at least MIN_REST_S began at ``last``: the episode is over


def fatigue_scan(time_ns: npt.NDArray[np.int64], driving: BoolArray, carry: DrivingSpell | None = None, *,
                 max_driving_s: float = MAX_DRIVING_S,
                 min_rest_s: float = MIN_REST_S) -> tuple[list[FatigueEpisode], DrivingSpell]:
    """Find the fatigue episodes among fixes, vectorised (one pass per rest and per episode, not per fix).

    Parameters
    ----------
    time_ns : numpy.ndarray
        Fix times (UTC ns), strictly increasing.
    driving : numpy.ndarray
        Per interval (``len(time_ns) - 1`` values): whether it was driving (:func:`driving_intervals`).
    carry : DrivingSpell, optional
        The state at the first fix, as a previous scan ending at that same fix left it.
    max_driving_s, min_rest_s : float
        The rule's 4 h and 20 min.

    Returns
    -------
    episodes : list of FatigueEpisode
    spell : DrivingSpell
        The state at the last fix, to continue from.
    """
    carry = carry or DrivingSpell()
    n = len(time_ns)
    if n == 0:
        return [], carry
    time_s = (time_ns - time_ns[0]) / 1e9
    if driving.all() and carry.over_ns is None:  # the common case, a vehicle on the road: no rest, no standstill
        spell = _kept_driving(time_ns, time_s, carry, max_driving_s)
        if spell is not None:
            return [], spell
    driven = np.concatenate(([0.0], np.cumsum(np.diff(time_s) * driving)))  # driving time up to each fix
    # Standstills, by fixes: interval run [s, e) holds the vehicle still from fix s to fix e (one going on at
    # the first fix began when the carried state says).
    still_s, still_e = runs(~driving.astype(bool))
    began_ns = time_ns[still_s].astype(np.int64)
    if carry.still_since_ns is not None and len(still_s) and still_s[0] == 0:
        began_ns[0] = carry.still_since_ns
    began = (began_ns - time_ns[0]) / 1e9
    rest = (time_s[still_e] - began) >= min_rest_s
    rest_s, rest_e = still_s[rest], still_e[rest]
    # Spell k starts at fix rest_e[k - 1] (fix 0 for the first, which continues the carried one).
    spell = np.cumsum(np.bincount(rest_e, minlength=n)[:n])  # the rests ended by each fix (a search per fix cost more)
    spell_first = np.concatenate(([0], rest_e))
    base = np.zeros(len(spell_first))
    base[0] = carry.driven_s
    acc = base[spell] + driven - driven[spell_first[spell]]
    over = (acc > max_driving_s) & ~fill_runs(np.zeros(n, dtype=bool), rest_s + 1, rest_e + 1)
    # The first fix of each spell's driving: the start of its first driving interval.
    moving_fix = np.concatenate((driving.astype(bool), [False]))
    next_moving = np.where(moving_fix, np.arange(n), n)
    next_moving = np.minimum.accumulate(next_moving[::-1])[::-1]

    def since(k: int) -> int | None:
        if k == 0 and carry.since_ns is not None:
            return carry.since_ns
        first = int(next_moving[spell_first[k]])
        return int(time_ns[first]) if first < n else None

    episodes = []
    starts, ends = runs(over)
    rest_began = dict(zip(rest_s.tolist(), began_ns[rest].tolist()))  # the rest that ends each episode
    for first, end in zip(starts.tolist(), ends.tolist()):
        last = end - 1
        carried = first == 0 and carry.over_ns is not None
        episodes.append(FatigueEpisode(
            first=-1 if carried else first, last=last,
            start_ns=int(carry.over_ns) if carried else int(time_ns[first]),
            end_ns=int(rest_began.get(last, time_ns[last])),
            driving_since_ns=since(int(spell[first])) or int(time_ns[first]), driving_s=float(acc[last]),
            rested=last in rest_began))
    last_still = len(still_e) and still_e[-1] == n - 1
    spell_now = DrivingSpell(
        driven_s=float(acc[-1]), since_ns=since(int(spell[-1])),
        still_since_ns=int(began_ns[-1]) if last_still else None,
        over_ns=(episodes[-1].start_ns if episodes and over[-1] else None))
    return episodes, spell_now


def _kept_driving(time_ns: npt.NDArray[np.int64], time_s: FloatArray, carry: DrivingSpell,
                  max_driving_s: float) -> DrivingSpell | None:
    """The spell after fixes that were all driving, when it stays within *max_driving_s* (no episode can
    begin): what the full scan finds then, its driving time summed the same way; ``None`` otherwise."""
    driven_s = carry.driven_s + (float(np.cumsum(np.diff(time_s))[-1]) if len(time_s) > 1 else 0.0)
    if driven_s > max_driving_s:
        return None
    since_ns = carry.since_ns if carry.since_ns is not None else (int(time_ns[0]) if len(time_ns) > 1 else None)
    return DrivingSpell(driven_s=driven_s, since_ns=since_ns)
