"""Run-length helpers: turn per-fix boolean states into episodes without a Python loop per fix."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


def runs(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """Return the ``(starts, ends)`` of the True runs of ``mask`` (``ends`` exclusive).

    The runs alternate between True and False from the first fix: the changes of state, found in one comparison of
    neighbours, bound them all (a million fixes' states were copied, padded and differenced as integers: 3 ms a
    rule, seven rules a check; issue 18)."""
    n = len(mask)
    if not n:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    bounds = np.concatenate(([0], np.flatnonzero(mask[1:] != mask[:-1]) + 1, [n]))
    first = 0 if mask[0] else 1  # the first True run's start, among the bounds
    return bounds[first:-1:2], bounds[first + 1::2]


def fill_runs(mask: BoolArray, starts: IntArray, ends: IntArray) -> BoolArray:
    """Return a copy of ``mask`` with the given half-open ranges set to True."""
    delta = np.zeros(len(mask) + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends, -1)
    return mask | (np.cumsum(delta[:-1]) > 0)


def hysteresis(enter: BoolArray, leave: BoolArray) -> BoolArray:
    """Latch a state that turns on where ``enter`` holds and off where ``leave`` holds.

    Between the two thresholds the previous state is kept (forward fill of the last decisive fix);
    the state starts off. ``enter`` wins where both hold.

    Parameters
    ----------
    enter, leave : numpy.ndarray
        Boolean arrays of equal length.

    Returns
    -------
    numpy.ndarray
        The latched state.
    """
    decisive = enter | leave
    last = np.where(decisive, np.arange(len(enter)), -1)
    np.maximum.accumulate(last, out=last)
    return (last >= 0) & enter[np.maximum(last, 0)]


def bridge_short_gaps(state: BoolArray, min_points: int) -> BoolArray:
    """Merge True runs separated by fewer than ``min_points`` False fixes.

    Returning to the corridor also needs persistence: one noisy fix back inside must not split a
    detour into two episodes.
    """
    starts, ends = runs(~state)
    interior = (starts > 0) & (ends < len(state)) & ((ends - starts) < min_points)
    return fill_runs(state, starts[interior], ends[interior])


def persistent_runs(
    state: BoolArray, time_s: npt.NDArray[np.float64], *, min_points: int, min_seconds: float
) -> tuple[IntArray, IntArray]:
    """Return the True runs lasting at least ``min_points`` fixes AND ``min_seconds`` (first to last fix)."""
    starts, ends = runs(state)
    keep = ((ends - starts) >= min_points) & ((time_s[ends - 1] - time_s[starts]) >= min_seconds)
    return starts[keep], ends[keep]
