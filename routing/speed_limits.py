"""Speed limits of a dangerous-goods vehicle by road, and the overspeed episodes against them.

The rule (危险货物道路运输安全管理办法, 交通运输部等令2019年第29号, 第四十六条): a dangerous-goods vehicle may
not exceed 80 km/h on an expressway (高速公路) or 60 km/h on any other road; where a speed-limit sign or marking
shows a lower speed, not that speed. :func:`limit_kph` applies it to the OSM tags of the road driven
(``highway`` for the class, ``maxspeed`` for the posted limit), vectorised over one value per fix (the map
matcher gives each fix its edge's tags).

Expressway means ``highway=motorway`` or ``motorway_link``: in China OSM tags 高速公路 so. ``trunk`` (national
roads and the cities' 快速路) is not 高速公路, so 60 km/h applies there unless a lower limit is posted.

``maxspeed`` values understood: a number (km/h, OSM's default unit), a number with a unit (``"60 mph"``,
``"30 knots"``, ``"50 km/h"``), a list (``"60;40"``, per lane or per direction: the lowest, since the fix does
not say which lane the vehicle used and heavy vehicles keep to the slow lanes). Anything else is *no posted
number*: missing, ``none``, ``signals``, ``walk`` and the implicit zone values such as ``"CN:urban"`` (China's
statutory defaults, 道路交通安全法实施条例 第四十五条, depend on whether the road has a centre line and how many
lanes it has, which the zone value does not say), and the vehicle class limit applies.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from routing.episodes import bridge_short_gaps, persistent_runs

FloatArray = npt.NDArray[np.float64]
#: Order 29 Art. 46: 高速公路 80 km/h, other roads 60 km/h.
EXPRESSWAY_KPH = 80.0
OTHER_ROAD_KPH = 60.0
EXPRESSWAYS = frozenset({"motorway", "motorway_link"})
#: Units OSM allows after a maxspeed number, in km/h per unit.
_UNITS = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z/]*)\s*$")


def posted_kph(maxspeed: Any) -> float:
    """The posted limit in km/h of one OSM ``maxspeed`` value (or list of values); NaN when it posts no number."""
    if maxspeed is None or (isinstance(maxspeed, float) and np.isnan(maxspeed)):
        return float("nan")
    if isinstance(maxspeed, (list, tuple)):  # osmnx gives a list for an edge made of ways tagged differently
        maxspeed = ";".join(map(str, maxspeed))
    return _posted(str(maxspeed))


@functools.lru_cache(maxsize=4096)
def _posted(text: str) -> float:
    """:func:`posted_kph` of a text, cached: a track has thousands of fixes but a few dozen distinct values."""
    found = []
    for value in text.lower().split(";"):
        match = _NUMBER.match(value)
        if match and match.group(2) in _UNITS:
            found.append(float(match.group(1)) * _UNITS[match.group(2)])
    positive = [value for value in found if value > 0]
    return min(positive) if positive else float("nan")


def limit_kph(highway: Sequence[Any] | npt.NDArray[Any] | pd.Series,
              maxspeed: Sequence[Any] | npt.NDArray[Any] | pd.Series, *, unknown_kph: float = np.nan) -> FloatArray:
    """The speed limit (km/h) of a dangerous-goods vehicle on each road (Order 29 Art. 46).

    Parameters
    ----------
    highway : array-like
        OSM ``highway`` value per fix (a list, as osmnx gives for merged ways: expressway when any is); None or
        NaN where the fix has no road (not matched): its limit is unknown (NaN) unless a ``maxspeed`` is given.
    maxspeed : array-like
        OSM ``maxspeed`` value per fix (see the module for what is understood); missing is None or NaN.
    unknown_kph : float
        The limit where neither is known (a fix on no known road). The checks pass the highest limit any road has
        (80), so leaving the map never hides a speed no road allows; NaN by default: never an overspeed
        (:func:`overspeed_episodes`).

    Returns
    -------
    numpy.ndarray
        The class limit (80 on an expressway, 60 elsewhere), or the posted limit where it is lower; *unknown_kph*
        where neither is known.
    """
    classes = pd.Series(list(highway), dtype=object)
    expressway = classes.map(lambda value: bool(set(value if isinstance(value, (list, tuple)) else [value])
                                                & EXPRESSWAYS)).to_numpy(dtype=bool)
    unknown = classes.map(lambda value: not isinstance(value, (list, tuple)) and pd.isna(value)).to_numpy(bool)
    posted = pd.Series(list(maxspeed), dtype=object).map(posted_kph).to_numpy(dtype=float)
    if len(posted) != len(expressway):
        raise ValueError(f"highway and maxspeed differ in length ({len(expressway)} and {len(posted)})")
    by_class = np.where(expressway, EXPRESSWAY_KPH, np.where(unknown, np.nan, OTHER_ROAD_KPH))
    limits = np.fmin(by_class, posted)  # fmin: NaN (nothing posted, or no road) leaves the other
    return limits if np.isnan(unknown_kph) else np.where(np.isnan(limits), unknown_kph, limits)


def overspeed_episodes(time_ns: npt.NDArray[np.int64], speeds_kph: FloatArray, limits_kph: FloatArray, *,
                       min_duration_s: float = 30.0, min_points: int = 2,
                       roads: Sequence[Any] | None = None,
                       step_m: FloatArray | None = None) -> list[dict[str, Any]]:
    """Runs of fixes faster than their road's limit, lasting at least ``min_duration_s`` and ``min_points`` (runs
    joined across fewer than ``min_points`` fixes not over it).

    Parameters
    ----------
    time_ns : numpy.ndarray
        Fix times, UTC nanoseconds since the epoch (as :class:`routing.tracks.Track` holds them), in time order.
    speeds_kph : numpy.ndarray
        Speed per fix (reported, or from positions: :func:`routing.checks.fix_speeds`).
    limits_kph : numpy.ndarray
        The applicable limit per fix (:func:`limit_kph`); NaN where unknown (never overspeed).
    min_duration_s : float
        From the first to the last fix over the limit.
    min_points : int
        Fixes the run must hold.
    roads : sequence, optional
        A name per fix (the matched way's name or id), reported as the episode's ``road``.
    step_m : numpy.ndarray, optional
        Distance from the fix before, per fix (the first's ignored), for the episode's ``length_m``.

    Returns
    -------
    list of dict
        The episode shape of ``route check`` (``kind`` ``"overspeed"``, ``start``, ``end``, ``duration_s``,
        ``max_offset_m`` 0, ``length_m``, ``first_index``, ``last_index``), plus ``limit_kph`` (the lowest limit
        over the run), ``max_speed_kph`` and ``road`` (the road at the fastest fix, when *roads* is given).
    """
    time_ns = np.asarray(time_ns, dtype=np.int64)
    speeds = np.asarray(speeds_kph, dtype=float)
    limits = np.asarray(limits_kph, dtype=float)
    with np.errstate(invalid="ignore"):
        over = speeds > limits  # NaN on either side: not over
    time_s = (time_ns - time_ns[0]) / 1e9 if len(time_ns) else np.zeros(0)
    # Fewer than min_points fixes under the limit are a gap inside a run, not its end (as a deviation's, and as
    # the live checks join every run): one fix slowed by GPS noise does not split an episode.
    starts, ends = persistent_runs(bridge_short_gaps(over, min_points), time_s, min_points=min_points,
                                   min_seconds=min_duration_s)
    cumulative = np.cumsum(np.zeros(len(speeds)) if step_m is None else np.asarray(step_m, dtype=float))
    found = []
    for first, end in zip(starts.tolist(), ends.tolist()):  # one pass per episode, not per fix
        last = end - 1
        fastest = first + int(np.argmax(speeds[first:end]))
        episode = {
            "kind": "overspeed",
            "start": pd.Timestamp(int(time_ns[first]), tz="UTC").isoformat(),
            "end": pd.Timestamp(int(time_ns[last]), tz="UTC").isoformat(),
            "duration_s": round(float(time_s[last] - time_s[first]), 3),
            "max_offset_m": 0.0,
            "length_m": round(float(cumulative[last] - cumulative[first]), 1),
            "first_index": first,
            "last_index": last,
            "limit_kph": float(np.min(limits[first:end])),
            "max_speed_kph": round(float(speeds[fastest]), 1),
        }
        if roads is not None:
            episode["road"] = roads[fastest]
        found.append(episode)
    return found
