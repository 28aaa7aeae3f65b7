"""Runs of fixes that meet a condition, continued from one batch of fixes to the next.

The routing engine finds episodes in a whole track with run-length logic (:mod:`routing.episodes`): True runs of
a per-fix condition, joined across gaps of fewer than ``release`` False fixes. Here the same logic runs on one
batch at a time. The run still open at the end of a batch is kept (:class:`Run`, stored in the trip's state) and
replayed in front of the next batch as one True fix followed by its trailing False fixes, so the next batch can
extend it, join it across a short gap, or end it; the episodes come out as if the whole track had been checked
at once (``tests/app/monitoring/test_runs.py`` checks this against :func:`routing.checks.find_episodes`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.episodes import bridge_short_gaps, hysteresis, runs

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def stamp(ns: int) -> dt.datetime:
    """A fix time (UTC ns since the epoch) as an aware datetime, to the microsecond (as stored)."""
    return _EPOCH + dt.timedelta(microseconds=int(ns) // 1000)


def nanoseconds(at: dt.datetime) -> int:
    """The inverse of :func:`stamp`, exact."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1) * 1000


@dataclass(frozen=True)
class Run:
    """One run: its first and last fix (the last one meeting the condition), and its extent so far.

    Attributes
    ----------
    start_ns, end_ns : int
        Times of the first and last fix of the run (UTC ns).
    start_lon, start_lat, end_lon, end_lat : float
        Their positions (WGS-84).
    points : int
        Fixes from the first to the last, those of short gaps included.
    length_m : float
        Path length from the first to the last fix.
    peak : float
        The largest value of the check's measure over the run (offset, speed), 0 without one.
    trailing, tail_m : int, float
        Fixes after the last one, not yet enough to end the run, and their path length.
    labels : list of str
        The distinct labels of the run's fixes in order (the roads driven, when the check names them).
    low : float or None
        The smallest of the check's second measure over the run (a road's speed limit), None without one.
    """

    start_ns: int
    start_lon: float
    start_lat: float
    end_ns: int
    end_lon: float
    end_lat: float
    points: int
    length_m: float = 0.0
    peak: float = 0.0
    trailing: int = 0
    tail_m: float = 0.0
    labels: list[str] = field(default_factory=list)
    low: float | None = None

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    def lasted(self, min_points: int, min_seconds: float) -> bool:
        """Whether the run is an episode: at least *min_points* fixes AND *min_seconds* long."""
        return self.points >= min_points and self.duration_s >= min_seconds

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Run | None:
        return None if data is None else cls(**data)


@dataclass(frozen=True)
class Fixes:
    """The new fixes of one batch, as the runs need them (arrays in time order).

    ``step_m[i]`` is the distance from the fix before (the last fix of the previous batch for ``i = 0``,
    0 when there is none), so path lengths continue across batches.
    """

    time_ns: npt.NDArray[np.int64]
    lon: FloatArray
    lat: FloatArray
    step_m: FloatArray

    def __len__(self) -> int:
        return len(self.time_ns)


def latched(run: Run | None, enter: BoolArray, leave: BoolArray) -> BoolArray:
    """:func:`routing.episodes.hysteresis` continued from the previous batch.

    The latch was on at the end of the previous batch exactly when its run's last fix was on (a run with no
    trailing fixes); a run that had ended, or none, leaves it off.
    """
    on = run is not None and run.trailing == 0
    return hysteresis(np.concatenate(([on], enter)), np.concatenate(([not on], leave)))[1:]


def advance(run: Run | None, condition: BoolArray, fixes: Fixes, *, release: int,
            measure: FloatArray | None = None, labels: Sequence[str] | None = None,
            least: FloatArray | None = None) -> tuple[list[Run], Run | None]:
    """Continue *run* over one batch of fixes.

    Parameters
    ----------
    run : Run or None
        The run left open by the previous batch.
    condition : numpy.ndarray
        Which fixes of the batch meet the check's condition.
    fixes : Fixes
        The batch.
    release : int
        A run ends after this many fixes in a row that do not meet the condition (at least 1); fewer are
        a gap inside the run.
    measure : numpy.ndarray, optional
        A per-fix value whose largest over the run is kept as :attr:`Run.peak`.
    labels : sequence of str, optional
        A label per fix ('' for none), collected in :attr:`Run.labels`.
    least : numpy.ndarray, optional
        A per-fix value whose smallest over the run is kept as :attr:`Run.low`.

    Returns
    -------
    ended : list of Run
        Runs that are over (whether they lasted long enough to matter is the caller's rule).
    still_open : Run or None
        The run that may continue with the next batch.
    """
    if run is None and not condition.any():  # the common case: nothing open, nothing new (same result, no work)
        return [], None
    carried = 0 if run is None else 1 + run.trailing
    replay = np.zeros(carried + len(condition), dtype=bool)
    replay[carried:] = condition
    if carried:
        replay[0] = True
    starts, ends = runs(bridge_short_gaps(replay, release))
    cumulative = np.cumsum(fixes.step_m)
    values = measure if measure is not None else np.zeros(len(fixes))
    pieces: list[Run] = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        first, last = start - carried, end - 1 - carried  # batch indexes; negative: the replayed run
        if first < 0:
            pieces.append(_extended(run, last, fixes, cumulative, values, labels, least))
        else:
            pieces.append(Run(
                start_ns=int(fixes.time_ns[first]), start_lon=float(fixes.lon[first]),
                start_lat=float(fixes.lat[first]), end_ns=int(fixes.time_ns[last]), end_lon=float(fixes.lon[last]),
                end_lat=float(fixes.lat[last]), points=last - first + 1,
                length_m=float(cumulative[last] - cumulative[first]), peak=float(values[first:last + 1].max()),
                labels=_labels([], labels, first, last), low=_low(None, least, first, last)))
    trailing = len(replay) - int(ends[-1]) if len(ends) else len(replay)
    if not pieces or trailing >= release:
        return pieces, None
    last_piece = pieces.pop()
    new_last = int(ends[-1]) - 1 - carried
    if new_last >= 0:
        tail_m = float(cumulative[-1] - cumulative[new_last])
    else:  # nothing new met the condition: the replayed run only grew its tail
        tail_m = last_piece.tail_m + float(cumulative[-1])
    return pieces, replace(last_piece, trailing=trailing, tail_m=tail_m)


def _extended(run: Run, last: int, fixes: Fixes, cumulative: FloatArray, values: FloatArray,
              labels: Sequence[str] | None, least: FloatArray | None) -> Run:
    """The carried run, extended to batch fix *last* (unchanged when ``last < 0``)."""
    if last < 0:
        return run
    return replace(run, end_ns=int(fixes.time_ns[last]), end_lon=float(fixes.lon[last]),
                   end_lat=float(fixes.lat[last]), points=run.points + run.trailing + last + 1,
                   length_m=run.length_m + run.tail_m + float(cumulative[last]),
                   peak=max(run.peak, float(values[:last + 1].max())), trailing=0, tail_m=0.0,
                   labels=_labels(run.labels, labels, 0, last), low=_low(run.low, least, 0, last))


def _labels(known: list[str], labels: Sequence[str] | None, first: int, last: int) -> list[str]:
    """*known* and the new non-empty labels of fixes *first*..*last*, each once, in order."""
    if labels is None:
        return known
    return list(dict.fromkeys([*known, *(label for label in labels[first:last + 1] if label)]))


def _low(known: float | None, least: FloatArray | None, first: int, last: int) -> float | None:
    """The smaller of *known* and the smallest of *least* over fixes *first*..*last* (NaN: none)."""
    if least is None:
        return known
    found = [v for v in [known, float(np.nanmin(least[first:last + 1], initial=np.inf))] if v is not None]
    low = min(found)
    return None if low == np.inf else low
