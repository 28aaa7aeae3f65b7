"""Small numeric helpers for the short arrays of a live batch, where numpy's general functions cost more in
overhead than in work."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

_SORTED_UP_TO = 1000  # values sorted whole; longer arrays are selected from (_select)
_SAMPLE, _SPREAD = 4096, 64  # values sampled to bracket the median; sampled values either side of it in the bracket


def median(values: npt.NDArray[np.float64]) -> float:
    """The median of a non-empty 1-D array, ignoring NaN: the value of ``np.nanmedian`` (the mean of the two
    middle values when their count is even), at a fraction of its cost on a few dozen values."""
    nan = np.isnan(values)
    ordered = values[~nan] if nan.any() else values  # not copied: only read
    n = len(ordered)
    if n == 0:
        return float("nan")
    middle = n // 2
    if n > _SORTED_UP_TO:
        # A whole track: selected, not sorted, as in np.median, which would also import numpy.ma (for a NaN check
        # these values need no more) on the reading thread of ``route check``: 15-20 ms (issue 18).
        low, high = _select(ordered, middle - 1 + n % 2, middle)
    else:
        ordered = np.sort(ordered)
        low, high = ordered[middle - 1 + n % 2], ordered[middle]
    return float(high) if n % 2 else float((low + high) / 2)


def _select(values: npt.NDArray[np.float64], first: int, second: int) -> tuple[float, float]:
    """The *first*-th and *second*-th smallest of *values* (no NaN; ``first <= second``, adjacent), exactly.

    A sample brackets them: the values between the sample's quantiles around them are few, and only those are
    partitioned, once a count of the values below the bracket has shown that both lie in it (else, all of them are).
    On a track's time intervals, most the same, the bracket is often one value: then no partition at all. On a
    million values a few passes of comparisons instead of a partial sort: 3-6 ms instead of 10-35 (issue 18)."""
    n = len(values)
    sample = np.sort(values[:: max(1, n // _SAMPLE)])
    at = first * len(sample) // n
    low, high = sample[max(at - _SPREAD, 0)], sample[min(at + _SPREAD, len(sample) - 1)]
    below = np.count_nonzero(values < low)
    if low == high:
        if below <= first and second < below + np.count_nonzero(values == low):
            return low, low
    else:
        within = values[(values >= low) & (values <= high)]
        if below <= first and second < below + len(within):
            chosen = np.partition(within, (first - below, second - below))
            return chosen[first - below], chosen[second - below]
    chosen = np.partition(values, (first, second))
    return chosen[first], chosen[second]
