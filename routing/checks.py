"""Track checks against a corridor: deviations, forbidden zones, signal gaps; and fatigue driving.

All per-fix work is vectorised: one projection, one prepared ``contains_xy`` per polygon set, a
distance computed only for the fixes outside the corridor (to the corridor's boundary segments through a cell
index, :mod:`routing.distances`), and run-length logic for the episodes.

Deviation rule: a fix is *out* when it lies outside the corridor; a deviation state latches on out
fixes and is released only by fixes inside the corridor shrunk by ``hysteresis_m`` (hysteresis);
fewer than ``min_points`` fixes back inside do not end it; and an episode is reported only when it
lasts at least ``min_points`` fixes AND ``min_seconds``. A single outlier or GPS noise of tens of
metres inside a 50 m buffer therefore never raises an alarm, while a detour does.
``max_offset_m`` is the largest distance outside the corridor polygon (not from its centre line).

Fatigue driving (more than 4 h of driving without a rest of 20 min, 道路交通安全法实施条例 Art. 62(7)) is the
rule of :mod:`routing.fatigue`; its episodes say since when the driver has been driving.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from routing._errors import RoutingInputError
from routing._lazy import lazy
from routing._numeric import median
from routing import containment
from routing._validate import check_positive
from routing.corridors import Corridor, CorridorFeature, load_corridor
from routing.distances import BoundaryDistance
from routing.episodes import bridge_short_gaps, hysteresis, persistent_runs, runs
from routing.fatigue import DRIVING_KPH, MAX_DRIVING_S, FatigueEpisode, driving_intervals, fatigue_scan
from routing.offsets import Offsets
from routing.projection import to_metric
from routing.tracks import Track, track_from_frame

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
STOP_SPEED_KPH = DRIVING_KPH  # slower is stopped; as fast or faster, driving
_STOP_BASELINE_S = 30.0  # speed for stop detection is measured over this long, to average GPS noise away
_NEAR_DEG = 1.0  # a track with no fix within this many degrees of the corridor is in the wrong place
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
#: Fixes per chunk of the per-fix stage: chunks run on threads, one a core (projection, GEOS's tests and numpy
#: release the GIL), so a long track is checked on every core; a chunk's arrays stay small.
CHUNK_FIXES = 1 << 17


@dataclass(frozen=True)
class CheckParameters:
    """Thresholds of a track check (defaults are the CLI's)."""

    min_points: int = 3
    min_seconds: float = 60.0
    max_gap_s: float = 300.0
    hysteresis_m: float = 10.0

    def validated(self) -> CheckParameters:
        """Return self after refusing nonsensical values."""
        if int(self.min_points) != self.min_points or self.min_points < 1:
            raise RoutingInputError(f"--min-points must be a whole number, at least 1, got {self.min_points}")
        check_positive(self.min_seconds, name="--min-seconds", allow_zero=True)
        check_positive(self.max_gap_s, name="--max-gap-s")
        check_positive(self.hysteresis_m, name="hysteresis", allow_zero=True)
        return self


@dataclass
class FixState:
    """Per-fix results of the vectorised stage (valid fixes, time order)."""

    x: FloatArray
    y: FloatArray
    time_s: FloatArray
    outside: BoolArray
    inside_inner: BoolArray
    offsets: Offsets
    zones: list[tuple[CorridorFeature, BoolArray]]

    @property
    def offset_m(self) -> FloatArray:
        """Each fix's distance off the corridor, metres (0 inside it); measured when first asked, if not yet."""
        return self.offsets.array()


def _area(parts: list[CorridorFeature], shrink_m: float, memo: dict[Any, BaseGeometry], *,
          union: bool = True) -> BaseGeometry:
    """The union of *parts* (or the one part as it is) shrunk by ``shrink_m``, prepared; made once per corridor
    and kept in *memo* (buffering and preparing cost more than testing a batch of fixes against the result)."""
    key = (tuple(id(p) for p in parts), shrink_m, union)
    if key not in memo:
        geom = shapely.union_all([p.geometry for p in parts]) if union else parts[0].geometry
        shaped = geom.buffer(-shrink_m) if shrink_m else geom
        if shaped.is_empty:  # a corridor narrower than twice the hysteresis: release on the corridor itself
            shaped = geom
        shapely.prepare(shaped)
        memo[key] = shaped
    return memo[key]


def _areas(parts: list[CorridorFeature], shrink_m: float,
           memo: dict[Any, BaseGeometry]) -> list[tuple[BaseGeometry, CorridorFeature | None]]:
    """The prepared areas a fix is tested against for *parts*: the union of those always open (with None), and
    each part with time windows on its own (with the part, whose windows say when it counts)."""
    always = [p for p in parts if p.windows.always]
    areas: list[tuple[BaseGeometry, CorridorFeature | None]] = [(_area(always, shrink_m, memo), None)] if always else []
    return areas + [(_area([p], shrink_m, memo, union=False), p) for p in parts if not p.windows.always]


def _inside(parts: list[CorridorFeature], x: FloatArray, y: FloatArray, time_ns: npt.NDArray[np.int64],
            shrink_m: float = 0.0, memo: dict[Any, BaseGeometry] | None = None) -> BoolArray:
    """Which fixes lie inside any part active at their time (parts shrunk by ``shrink_m``)."""
    memo = {} if memo is None else memo
    inside = np.zeros(len(x), bool)
    for area, part in _areas(parts, shrink_m, memo):
        contained = _contains(area, x, y, memo)
        inside |= contained if part is None else contained & part.windows.active(time_ns)
    return inside


def _contains(area: BaseGeometry, x: FloatArray, y: FloatArray, memo: dict[Any, Any] | None = None) -> BoolArray:
    """``shapely.contains_xy``, asked only for the fixes inside the area's bounding box: a forbidden zone of a
    few hundred metres then costs a comparison per fix of a whole trip, not a GEOS call (which costs ten times
    more), and a fix outside the box is outside the area. Many fixes at once (a re-check's task) are answered
    from a grid over the area (:class:`~routing.containment.GridContains`, the same answers), made once per
    area and kept in *memo* (when given). With *memo* the chunk threads may share the area: each tests its own
    prepared copy (:class:`~routing.containment.ThreadArea`: GEOS's are not safe to share)."""
    west, south, east, north = area.bounds
    near = np.flatnonzero((x >= west) & (x <= east) & (y >= south) & (y <= north))
    test = partial(shapely.contains_xy, area) if memo is None else _thread_area(area, memo).contains_xy
    if memo is not None and len(near) >= containment.MIN_POINTS:
        test = _grid(area, memo).contains
    if len(near) == len(x):
        return test(x, y)
    inside = np.zeros(len(x), dtype=bool)
    inside[near] = test(x[near], y[near])
    return inside


def _thread_area(area: BaseGeometry, memo: dict[Any, Any]) -> containment.ThreadArea:
    """*area* for the chunk threads to test (a prepared copy each), made once per area, kept in *memo*."""
    key = ("thread", id(area))  # the area itself is kept in memo: its id stays its own
    if key not in memo:  # made before the threads start (_ready); a race here would only make one in vain
        memo[key] = containment.ThreadArea(area)
    return memo[key]


def _grid(area: BaseGeometry, memo: dict[Any, Any]) -> containment.GridContains:
    """The grid answering many containment tests in *area*, made on first need (a zone few fixes come near
    never needs one: about 50 ms saved each) once per area, kept in *memo*; the lock keeps two chunk threads
    from both making it."""
    key = ("grid", id(area))
    with _GRID_LOCK:
        if key not in memo:
            memo[key] = containment.GridContains(_thread_area(area, memo))
    return memo[key]


_GRID_LOCK = threading.Lock()


def _offsets(parts: list[CorridorFeature], x: FloatArray, y: FloatArray, memo: dict[Any, Any]) -> FloatArray:
    """Distance of fixes outside the corridor to the union of its parts: to its boundary, indexed (an
    off-corridor fix costs about what an inside one does), and 0 for a fix inside a part closed at its time."""
    offset = _boundary(parts, memo).distance(x, y)
    if not all(p.windows.always for p in parts):
        offset[_contains(_area(parts, 0.0, memo), x, y, memo)] = 0.0
    return offset


def _boundary(parts: list[CorridorFeature], memo: dict[Any, Any]) -> BoundaryDistance:
    """The indexed boundary of the union of *parts* (made once per corridor, kept in *memo*)."""
    key = ("boundary", tuple(id(p) for p in parts))
    if key not in memo:
        memo[key] = BoundaryDistance(_area(parts, 0.0, memo))
    return memo[key]


def fix_states(track: Track, corridor: Corridor, *, hysteresis_m: float = 10.0,
               hazard_classes: Iterable[str] | None = None, refuse_far: bool = True,
               bounds: npt.NDArray[np.intp] | None = None, measure_offsets: bool = True) -> FixState:
    """Project the fixes and test them against the corridor and zones (the per-fix stage).

    Parameters
    ----------
    track : Track
    corridor : Corridor
    hysteresis_m : float
        Depth inside the corridor needed to end a deviation.
    hazard_classes : iterable of str, optional
        Cargo classes; selects the corridor parts and zones that apply.
    refuse_far : bool
        Refuse a track with no fix within 1° of the corridor (swapped lon/lat, undeclared GCJ-02). A live
        batch of a few fixes far away is a deviation, not bad input: the live checks pass False.
    bounds : numpy.ndarray, optional
        When *track* joins several tracks (:func:`check_tracks`): track *k* is fixes ``bounds[k]:bounds[k + 1]``.
        The inner test (``inside_inner``) is then made only on the tracks with a fix outside the corridor, the
        only ones :func:`find_episodes` reads it for; it is False on the others.
    measure_offsets : bool
        Measure every fix's distance off the corridor now, on the stage's threads. False: only bounds of them now
        (a tenth of the cost), the distances when asked (:class:`~routing.offsets.Offsets`), and only at the fixes
        that may hold an episode's largest when only that is asked (``route check`` of one track: on a track mostly
        on detours the distances were the stage's largest cost). Measured now all the same where a part has time
        windows (a fix in a closed part is out, yet 0 m off: no bound holds).

    Returns
    -------
    FixState
    """
    if refuse_far:
        _refuse_far(track, corridor)
    parts = corridor.parts(forbidden=False, hazard_classes=hazard_classes)
    if not parts:
        raise RoutingInputError("no corridor part is approved for the cargo's hazard classes")
    zone_parts = corridor.parts(forbidden=True, hazard_classes=hazard_classes)
    memo = corridor.derived
    n = len(track)
    x, y, outside = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
    inside_inner = np.zeros(n, dtype=bool)
    zones = [(z, np.empty(n, dtype=bool)) for z in zone_parts]
    chunks = [slice(lo, min(lo + CHUNK_FIXES, n)) for lo in range(0, n, CHUNK_FIXES)]

    def place(part: slice) -> None:  # projection and the corridor test: each fix on its own
        x[part], y[part] = to_metric(track.lon[part], track.lat[part], corridor.crs)
        outside[part] = ~_inside(parts, x[part], y[part], track.time_ns[part], memo=memo)

    def measure(part: slice) -> None:  # the inner test and the zones
        # Only the inner test of fixes already inside matters for releasing a deviation.
        inner_idx = part.start + np.flatnonzero(wanted[part])
        inside_inner[inner_idx] = _inside(parts, x[inner_idx], y[inner_idx], track.time_ns[inner_idx],
                                          hysteresis_m, memo)
        for zone, inside in zones:
            inside[part] = _inside([zone], x[part], y[part], track.time_ns[part], memo=memo)

    def measure_off(index: npt.NDArray[np.intp]) -> FloatArray:  # the distances of fixes off the corridor
        return _offsets(parts, x[index], y[index], memo)

    # Bounds of each distance off the corridor (BoundaryDistance.bounds) hold where a fix outside is off the corridor's
    # outline: every part open at every time.
    bounded = not measure_offsets and all(p.windows.always for p in parts)
    offset, lower, upper = (np.zeros(n + 1) for _ in range(3))  # a 0 after the last fix: Offsets' layout

    def distances(out_idx: npt.NDArray[np.intp]) -> None:  # or their bounds, a tenth of the cost
        if not len(out_idx):
            return
        if bounded:
            lower[out_idx], upper[out_idx] = _boundary(parts, memo).bounds(x[out_idx], y[out_idx])
        else:
            offset[out_idx] = measure_off(out_idx)

    workers = min(len(chunks), _threads())
    with _pool(workers) as pool:
        if pool is not None:  # the threads share the corridor's areas and indexes: made, and touched, first
            _ready(parts, zone_parts, hysteresis_m, memo)
        _each(pool, [partial(place, part) for part in chunks])
        wanted = ~outside
        if bounds is not None:
            counts = np.concatenate(([0], np.cumsum(outside)))
            wanted &= np.repeat(counts[bounds[1:]] > counts[bounds[:-1]], np.diff(bounds))
        # The fixes off the corridor in few tasks beside the chunks, not one a chunk: the boundary index is asked once
        # per occupied cell of a task, and a trip back and forth occupies the same cells in every chunk. One task
        # a thread's share of the fixes: with most fixes off the corridor, one task for all of them was the stage's
        # tail on one core; with a fifth off, two tasks cost a third more and finished no sooner.
        off_idx = np.flatnonzero(outside)
        off = np.array_split(off_idx, max(1, round(workers * len(off_idx) / max(n, 1))))
        _each(pool, [partial(distances, part) for part in off] + [partial(measure, part) for part in chunks])
    offsets = Offsets(outside, measure_off, (lower, upper)) if bounded else Offsets(outside, values=offset)
    return FixState(x=x, y=y, time_s=(track.time_ns - track.time_ns[0]) / 1e9, outside=outside,
                    inside_inner=inside_inner, offsets=offsets, zones=zones)


def _threads() -> int:
    """The cores this process may run on, at most ``OMP_NUM_THREADS`` when set: the usual cap on a numeric
    library's threads, which Dask's workers set to 1 (``distributed.nanny.pre-spawn-environ``), so a history
    re-check's worker processes, already one a core, do not each start a thread a core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    cap = os.environ.get("OMP_NUM_THREADS", "")
    return min(cores, int(cap)) if cap.isdigit() and int(cap) > 0 else cores


@contextmanager
def _pool(workers: int) -> Iterator[ThreadPoolExecutor | None]:
    """*workers* threads (the per-fix stage's: one a core, at most one a chunk; the episodes' beside the caller)
    when that is several (None: work inline, as a live batch of a few fixes always does)."""
    if workers < 2:
        yield None
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fix-states") as pool:
        yield pool


def _each(pool: ThreadPoolExecutor | None, tasks: list[Callable[[], None]]) -> None:
    """Run the tasks: on the pool's threads, in order as threads come free (their errors raised here), or one
    after another."""
    if pool is None:
        for task in tasks:
            task()
        return
    for done in [pool.submit(task) for task in tasks]:
        done.result()


def _ready(parts: list[CorridorFeature], zone_parts: list[CorridorFeature], hysteresis_m: float,
           memo: dict[Any, Any]) -> None:
    """Make every area and index the per-fix stage reads before threads share them (so that no two make one):
    the areas with their threads' copies (:func:`_thread_area`) and the boundary's index, asked once (an STRtree
    is built on first use)."""
    areas = _areas(parts, 0.0, memo) + _areas(parts, hysteresis_m, memo)
    for zone in zone_parts:
        areas += _areas([zone], 0.0, memo)
    areas.append((_area(parts, 0.0, memo), None))
    for area, _part in areas:
        _thread_area(area, memo)
    west, south, east, north = _area(parts, 0.0, memo).bounds
    _boundary(parts, memo).distance(np.array([west - 1.0]), np.array([south - 1.0]))


def _refuse_far(track: Track, corridor: Corridor) -> None:
    """Refuse a track with no fix within 1° of the corridor (see :func:`fix_states`)."""
    error = _far(track, corridor)
    if error is not None:
        raise error


def _far(track: Track, corridor: Corridor) -> RoutingInputError | None:
    west, south, east, north = corridor.bbox
    near = ((track.lon > west - _NEAR_DEG) & (track.lon < east + _NEAR_DEG)
            & (track.lat > south - _NEAR_DEG) & (track.lat < north + _NEAR_DEG))
    if near.any():
        return None
    return RoutingInputError(
        f"no fix lies within {_NEAR_DEG:g}° of the corridor (track around lon "
        f"{np.median(track.lon):.3f}, lat {np.median(track.lat):.3f}): another hemisphere, "
        f"swapped lon/lat or GCJ-02 not declared?"
    )


def fix_speeds(x: FloatArray, y: FloatArray, time_s: FloatArray,
               speed_kph: FloatArray | None = None) -> FloatArray:
    """Speed at each fix (km/h): the reported speed where there is one, else from the positions.

    The speed from positions is measured over about 30 s around the fix (fewer fixes at the ends of the
    arrays), so GPS noise of a few metres between fixes a second apart does not look like motion.

    Parameters
    ----------
    x, y : numpy.ndarray
        Metric coordinates of the fixes, in time order.
    time_s : numpy.ndarray
        Their times in seconds (any origin).
    speed_kph : numpy.ndarray, optional
        Reported speeds; NaN where a fix has none.

    Returns
    -------
    numpy.ndarray
    """
    dt = np.diff(time_s)
    step = max(1, int(np.ceil(_STOP_BASELINE_S / 2 / max(median(dt) if len(dt) else 1.0, 1e-3))))
    n = len(x)
    if n <= 2 * step:  # every fix near an end of the track
        return _speeds_between(x, y, time_s, *_window(np.arange(n), step, n), speed_kph)
    # The fixes away from the ends by slices (no gather of six arrays of a million fixes), those near them by index.
    kph = np.empty(n)
    inner, ends = slice(step, n - step), np.r_[0:step, n - step:n]
    kph[inner] = _speeds_between(x, y, time_s, slice(0, n - 2 * step), slice(2 * step, n),
                                 None if speed_kph is None else speed_kph[inner])
    kph[ends] = _speeds_between(x, y, time_s, *_window(ends, step, n), None if speed_kph is None else speed_kph[ends])
    return kph


def _window(index: npt.NDArray[np.intp], step: int, n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The fixes *step* before and after each fix *index*, within the *n* fixes."""
    return np.maximum(index - step, 0), np.minimum(index + step, n - 1)  # np.clip, without its overhead


def _speeds_between(x: FloatArray, y: FloatArray, time_s: FloatArray, lo: npt.NDArray[np.intp] | slice,
                    hi: npt.NDArray[np.intp] | slice, speed_kph: FloatArray | None) -> FloatArray:
    """Speed at each fix (km/h): the reported one where there is one, else from fix *lo* to fix *hi* around it
    (indices, or slices)."""
    span = np.maximum(time_s[hi] - time_s[lo], 1e-9)
    kph = np.hypot(x[hi] - x[lo], y[hi] - y[lo]) / span * 3.6
    if speed_kph is not None:
        kph = np.where(np.isfinite(speed_kph), speed_kph, kph)
    return kph


def grouped_fix_speeds(x: FloatArray, y: FloatArray, time_s: FloatArray, speed_kph: FloatArray | None,
                       starts: npt.NDArray[np.intp], at: npt.NDArray[np.intp] | None = None) -> FloatArray:
    """:func:`fix_speeds` of several tracks laid end to end (track *k* from ``starts[k]`` to the next start), in
    one pass, the same values: each track's window from the median of its own intervals (the live checks' batch
    of many trips, an archive's trips). Only at the fixes *at* (all when not given).

    *time_s* as :func:`fix_speeds` would be given each track's times (only differences within a track count).
    """
    n = len(x)
    if n == 0:
        return np.zeros(0)
    lengths = np.diff(np.append(starts, n))
    track = np.repeat(np.arange(len(starts)), lengths)
    median_dt = _median_intervals(np.diff(time_s), starts, lengths)
    step = np.maximum(1, np.ceil(_STOP_BASELINE_S / 2 / np.maximum(median_dt, 1e-3)).astype(np.intp))
    index = np.arange(n) if at is None else at
    of = track[index]
    lo = np.maximum(index - step[of], starts[of])
    hi = np.minimum(index + step[of], (starts + lengths - 1)[of])
    return _speeds_between(x, y, time_s, lo, hi, None if speed_kph is None else speed_kph[index])


def _median_intervals(dt: FloatArray, firsts: npt.NDArray[np.intp], lengths: npt.NDArray[np.intp]) -> FloatArray:
    """Each track's median interval (``median`` of its own ``np.diff`` of times; *dt* is that of the joined
    times, whose values between two tracks are not theirs). A regular track's is its one interval; the others'
    come from one sort of their intervals, by track then value. A track of one fix has none: its value is
    meaningless, and harmless, as its window is that fix."""
    count = lengths - 1
    ends = firsts + count
    # reduceat over interleaved (first, end) bounds gives each track's own intervals' extreme at even slots.
    edges = np.column_stack((firsts, ends)).ravel()
    low = np.minimum.reduceat(np.append(dt, 0.0), edges)[0::2]
    high = np.maximum.reduceat(np.append(dt, 0.0), edges)[0::2]
    median_dt = low.copy()
    irregular = np.flatnonzero(low != high)
    if len(irregular):
        rows = np.concatenate([np.arange(firsts[k], ends[k]) for k in irregular])
        of = np.repeat(np.arange(len(irregular)), count[irregular])
        ordered = dt[rows][np.lexsort((dt[rows], of))]
        start = np.concatenate(([0], np.cumsum(count[irregular])[:-1]))
        middle = start + count[irregular] // 2
        median_dt[irregular] = np.where(count[irregular] % 2 == 1, ordered[middle],
                                        (ordered[middle - 1] + ordered[middle]) / 2)
    return median_dt


def _iso(ns: int) -> str:
    """UTC nanoseconds as pandas' ``Timestamp.isoformat()`` writes them (6 fraction digits, 9 when there are
    nanoseconds, none when whole), without importing pandas for it: ``route check`` of a CSV needs pandas for
    nothing else."""
    seconds, fraction = divmod(int(ns), 1_000_000_000)
    text = (_EPOCH + dt.timedelta(seconds=seconds)).isoformat()
    if fraction:
        digits = f".{fraction:09d}" if fraction % 1000 else f".{fraction // 1000:06d}"
        text = text[:19] + digits + text[19:]
    return text


def _isos(ns: npt.NDArray[np.int64]) -> list[str]:
    """:func:`_iso` of many times: numpy writes the whole seconds of all at once (thousands of episodes' times
    cost milliseconds one by one); a time with a fraction of a second (rare: loggers write whole seconds) is
    written by :func:`_iso`."""
    seconds, fraction = np.divmod(ns, 1_000_000_000)
    texts = [f"{text}+00:00" for text in np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").tolist()]
    for at in np.flatnonzero(fraction).tolist():
        texts[at] = _iso(int(ns[at]))
    return texts


def _episodes(kind: str, starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp], track: Track,
              time_s: FloatArray, cumulative: FloatArray, offsets: Offsets | None,
              extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Build episode dicts for half-open fix ranges (one dict per episode, not per fix): ``length_m`` from
    *cumulative* (the distance driven up to each fix), ``max_offset_m`` the largest of *offsets* over the range
    (0 when None). Every value is
    gathered for all the episodes at once, not per episode from numpy scalars."""
    last = ends - 1
    max_offset = [0.0] * len(starts) if offsets is None else offsets.range_max(starts, ends).tolist()
    return [
        {
            "kind": kind,
            "start": t0,
            "end": t1,
            "duration_s": round(duration, 3),
            "max_offset_m": round(m, 1),
            "length_m": round(length, 1),
            "first_index": s,
            "last_index": e,
            **(extra or {}),
        }
        for s, e, t0, t1, duration, m, length in zip(
            starts.tolist(), last.tolist(), _isos(track.time_ns[starts]), _isos(track.time_ns[last]),
            (time_s[last] - time_s[starts]).tolist(), max_offset, (cumulative[last] - cumulative[starts]).tolist())
    ]


def find_episodes(track: Track, state: FixState, params: CheckParameters) -> list[dict[str, Any]]:
    """Turn per-fix states into deviation, forbidden-zone, signal-gap and fatigue-driving episodes, in time
    order.

    On a long track the speeds, the distance driven and the fatigue scan (half of the stage) run on other threads
    meanwhile, when the process has a second core: the rest of the check waits on this stage alone."""
    with _pool(min(2, _threads()) if len(track) >= CHUNK_FIXES else 1) as pool:
        speeds = _meanwhile(pool, fix_speeds, state.x, state.y, state.time_s, track.speed_kph)
        episodes = _episode_maker(track, state, _meanwhile(pool, _driven, state))
        fatigue = _meanwhile(pool, _fatigue, track, state, speeds, params)  # after the speeds: it waits on them
        found = []
        # A track that never leaves the corridor or never enters a zone (most of them) skips that rule's run
        # logic: on no fix at all it finds nothing anyway.
        if state.outside.any():
            deviating = bridge_short_gaps(hysteresis(state.outside, state.inside_inner), params.min_points)
            starts, ends = persistent_runs(deviating, state.time_s, min_points=params.min_points,
                                           min_seconds=params.min_seconds)
            found = episodes("deviation", starts, ends)
        for zone, inside in state.zones:
            if not inside.any():
                continue
            extra = {"zone": zone.name, "rule": zone.rule}
            if zone.rule == "no_stop":
                # A stop is persistence in time by nature: min_points AND min_seconds.
                starts, ends = persistent_runs(inside & (speeds() < STOP_SPEED_KPH), state.time_s,
                                               min_points=params.min_points, min_seconds=params.min_seconds)
            else:
                # An entry counts after min_points fixes, however short: crossing a small zone takes seconds.
                starts, ends = runs(bridge_short_gaps(inside, params.min_points))
                keep = (ends - starts) >= params.min_points
                starts, ends = starts[keep], ends[keep]
            found += episodes("forbidden_zone", starts, ends, extra)
        gap = np.flatnonzero(np.diff(state.time_s) > params.max_gap_s)
        found += episodes("signal_gap", gap, gap + 2)
        for spell in fatigue():
            found += episodes("fatigue_driving", np.array([spell.first]), np.array([spell.last + 1]),
                              {"driving_since": _iso(spell.driving_since_ns), "driving_s": round(spell.driving_s, 1)},
                              offsets_known=False)
    return sorted(found, key=lambda e: (e["first_index"], e["kind"]))


def _meanwhile(pool: ThreadPoolExecutor | None, func: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """The getter of ``func(*args)``: computed on the pool's thread from now, or (no pool) when first asked."""
    if pool is not None:
        return pool.submit(func, *args).result
    return cache(partial(func, *args))


def _driven(state: FixState) -> FloatArray:
    """The distance driven up to each fix, metres."""
    return np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(state.x), np.diff(state.y)))))


def _episode_maker(track: Track, state: FixState,
                   cumulative: Callable[[], FloatArray]) -> Callable[..., list[dict[str, Any]]]:
    """:func:`_episodes` for the track's rules, with the distance driven (*cumulative*'s) made once (a million
    fixes' cumulative sum cost a few milliseconds a rule), when first needed."""

    def episodes(kind: str, starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp],
                 extra: dict[str, Any] | None = None, *, offsets_known: bool = True) -> list[dict[str, Any]]:
        if not len(starts):
            return []
        return _episodes(kind, starts, ends, track, state.time_s, cumulative(),
                         state.offsets if offsets_known else None, extra)
    return episodes


def _fatigue(track: Track, state: FixState, speeds: Callable[[], FloatArray],
             params: CheckParameters) -> list[FatigueEpisode]:
    """The fatigue-driving spells of the track (:mod:`routing.fatigue`); its fixes' speeds from *speeds*."""
    if not len(track) or track.time_ns[-1] - track.time_ns[0] < (MAX_DRIVING_S - 1.0) * 1e9:
        return []  # more than 4 h of driving needs more than 4 h of track (the margin as in _quiet)
    driving = driving_intervals(state.time_s, state.x, state.y, speeds(), max_gap_s=params.max_gap_s)
    return fatigue_scan(track.time_ns, driving)[0]


def check_track(track: Track, corridor: Corridor, params: CheckParameters | None = None, *,
                hazard_classes: Iterable[str] | None = None) -> dict[str, Any]:
    """Check a track against a corridor; return the ``route check`` JSON document.

    Parameters
    ----------
    track : Track
        Validated fixes (:func:`routing.tracks.read_track` or :func:`~routing.tracks.track_from_frame`).
    corridor : Corridor
        From :func:`routing.corridors.load_corridor`.
    params : CheckParameters, optional
        Thresholds; the CLI defaults when omitted.
    hazard_classes : iterable of str, optional
        Cargo classes, to select the corridor parts and zones that apply.

    Returns
    -------
    dict
        ``compliant``, ``points``, ``valid_points``, ``episodes`` (CONTRACT.md), plus ``dropped``,
        ``notes`` and ``crs``.
    """
    [result] = check_tracks([track], corridor, params, hazard_classes=hazard_classes)
    if isinstance(result, RoutingInputError):
        raise result
    return result


def check_tracks(tracks: Sequence[Track], corridor: Corridor, params: CheckParameters | None = None, *,
                 hazard_classes: Iterable[str] | None = None) -> list[dict[str, Any] | RoutingInputError]:
    """Check several tracks against one corridor: each result is :func:`check_track`'s for that track alone.

    The per-fix stage runs once over the fixes of all the tracks (it treats every fix on its own: projection,
    containment, distance, time windows), so its fixed costs are paid once, not once per track; the episodes
    are then found track by track, each from its own fixes and times.

    Parameters
    ----------
    tracks : sequence of Track
        Validated tracks (each with at least two fixes).
    corridor, params, hazard_classes
        As for :func:`check_track`; the same for every track.

    Returns
    -------
    list
        Per track, in order, the ``route check`` document, or the RoutingInputError that refuses the track
        (no fix near the corridor; no corridor part for the cargo).
    """
    params = (params or CheckParameters()).validated()
    if not tracks:
        return []
    bounds = np.cumsum([0] + [len(t) for t in tracks])
    # One track (route check's) is checked as it is: joining it would copy its arrays, and the per-fix stage reads
    # the fixes' positions and times only.
    joined = tracks[0] if len(tracks) == 1 else Track(
        lon=np.concatenate([t.lon for t in tracks]), lat=np.concatenate([t.lat for t in tracks]),
        time_ns=np.concatenate([t.time_ns for t in tracks]), speed_kph=None, points=sum(t.points for t in tracks))
    try:
        # One track: its distances off the corridor measured only where an episode's largest may lie; several (a
        # re-check's many trips), all at once on the stage's threads rather than a few for each trip.
        state = fix_states(joined, corridor, hysteresis_m=params.hysteresis_m, hazard_classes=hazard_classes,
                           refuse_far=False, bounds=bounds, measure_offsets=len(tracks) > 1)
    except RoutingInputError as error:  # no part for the cargo: a track far away is told that first, as alone
        return [_far(track, corridor) or error for track in tracks]
    quiet = _quiet(tracks, state, joined.time_ns, bounds, params).tolist()
    crs = corridor.crs.to_string()  # a quarter of a millisecond: once, not per track
    results: list[dict[str, Any] | RoutingInputError] = []
    for track, first, last, calm in zip(tracks, bounds[:-1].tolist(), bounds[1:].tolist(), quiet):
        if calm:  # most tracks: nothing for find_episodes to find (see _quiet)
            results.append(check_document(track, corridor, [], crs=crs))
            continue
        far = _far(track, corridor)  # per track: its episodes, from its fixes
        if far is not None:
            results.append(far)
            continue
        own = FixState(x=state.x[first:last], y=state.y[first:last],
                       time_s=state.time_s[:last] if first == 0 else (track.time_ns - track.time_ns[0]) / 1e9,
                       outside=state.outside[first:last],
                       inside_inner=state.inside_inner[first:last], offsets=state.offsets.part(first, last),
                       zones=[(zone, inside[first:last]) for zone, inside in state.zones])
        results.append(check_document(track, corridor, find_episodes(track, own, params), crs=crs))
    return results


def _quiet(tracks: Sequence[Track], state: FixState, time_ns: npt.NDArray[np.int64], bounds: npt.NDArray[np.intp],
           params: CheckParameters) -> BoolArray:
    """Which tracks (fixes ``bounds[k]:bounds[k + 1]`` of the joined arrays) :func:`find_episodes` would find no
    episode on, judged for all of them at once (most tracks: they are then not looked at one by one).

    Quiet: no fix outside the corridor (a deviation starts there), inside a no-entry zone, or stopped
    (:func:`grouped_fix_speeds`, the speeds :func:`find_episodes` computes) inside a no-stop zone; no interval
    within a millisecond of a signal gap; and less than 4 h less a second from the first to the last fix (fatigue
    is more than 4 h of driving, counted from the track's first fix). The margins only send a borderline track
    through :func:`find_episodes`, which then decides: no track is judged quiet wrongly. A track lying inside the
    corridor is also near it (:func:`_far` cannot refuse it)."""
    firsts, lasts = bounds[:-1], bounds[1:]
    if not len(tracks) or (lasts - firsts < 2).any():  # not the checked tracks' shape: judge each alone
        return np.zeros(len(tracks), dtype=bool)
    event = state.outside.copy()
    for zone, inside in state.zones:
        if zone.rule != "no_stop":
            event |= inside
    gap = np.zeros(len(time_ns), dtype=bool)
    gap[1:] = np.diff(time_ns) > params.max_gap_s * 1e9 - 1e6  # the interval ending at each fix
    gap[firsts] = False  # a track's first fix ends no interval of that track
    counts = np.concatenate(([0], np.cumsum(event | gap)))
    span = time_ns[lasts - 1] - time_ns[firsts]
    quiet = (counts[lasts] == counts[firsts]) & (span < (MAX_DRIVING_S - 1.0) * 1e9)
    no_stop = [inside for zone, inside in state.zones if zone.rule == "no_stop"]
    if no_stop and quiet.any():
        # The speeds last, and only in the tracks still quiet: a track with a detour or a long trip (route check's
        # often) is not quiet whatever its speeds, and the median of its intervals cost a tenth of a second.
        lengths = lasts - firsts
        at = np.flatnonzero(np.logical_or.reduce(no_stop) & np.repeat(quiet, lengths))  # in a no-stop zone
        if len(at):
            speeds = np.concatenate([np.full(len(t), np.nan) if t.speed_kph is None else t.speed_kph
                                     for t in tracks])
            track = np.repeat(np.arange(len(tracks)), lengths)
            time_s = (time_ns - time_ns[firsts][track]) / 1e9  # each track's own, as find_episodes has them
            kph = grouped_fix_speeds(state.x, state.y, time_s, speeds, firsts, at)
            quiet[track[at[kph < STOP_SPEED_KPH * (1 + 1e-9)]]] = False
    return quiet


def check_document(track: Track, corridor: Corridor, episodes: list[dict[str, Any]], *,
                   crs: str | None = None) -> dict[str, Any]:
    """The ``route check`` JSON document for a track's episodes (a check by the buffer or by the matched roads);
    *crs* is the corridor's CRS as text, when the caller has it already."""
    return {
        "compliant": not episodes,
        "points": track.points,
        "valid_points": len(track),
        "episodes": episodes,
        "dropped": track.dropped,
        "notes": corridor.notes,
        "crs": crs or corridor.crs.to_string(),
    }


def check_fixes(corridor: str | Path | Mapping[str, Any],
                fixes: pd.DataFrame | Iterable[Mapping[str, Any]], *, buffer_m: float = 50.0,
                params: CheckParameters | None = None, gcj02: bool = False,
                hazard_classes: Iterable[str] | None = None) -> dict[str, Any]:
    """Check fixes held in memory (e.g. the app's stored GPS fixes) against a corridor GeoJSON.

    The same result as ``hazledger route check --format json`` for the same data.

    Parameters
    ----------
    corridor : str, pathlib.Path or mapping
        Corridor GeoJSON (file or parsed).
    fixes : pandas.DataFrame or iterable of mappings
        ``time``, ``lon``, ``lat`` and optional ``speed`` per fix.
    buffer_m : float
        Half-width for line corridors without ``width_m``.
    params : CheckParameters, optional
        Thresholds.
    gcj02 : bool
        Fix coordinates are GCJ-02.
    hazard_classes : iterable of str, optional
        Cargo classes, to select the corridor parts and zones that apply.

    Returns
    -------
    dict
    """
    frame = fixes if isinstance(fixes, pd.DataFrame) else pd.DataFrame(list(fixes))
    track = track_from_frame(frame, gcj02=gcj02, source="fixes")
    loaded = load_corridor(corridor, buffer_m=buffer_m)
    return check_track(track, loaded, params, hazard_classes=hazard_classes)
