"""Small numeric helpers for the short arrays of a live batch, where numpy's general functions cost more in
overhead than in work."""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

_SORTED_UP_TO = 1000  # values sorted whole; numpy's median partitions longer arrays


def median(values: npt.NDArray[np.float64]) -> float:
    """The median of a non-empty 1-D array, ignoring NaN: the value of ``np.nanmedian`` (the mean of the two
    middle values when their count is even), at a fraction of its cost on a few dozen values."""
    ordered = values[~np.isnan(values)]
    n = len(ordered)
    if n > _SORTED_UP_TO:  # a whole track: numpy's partial sort beats sorting it all (same middle values)
        return float(np.median(ordered))
    ordered = np.sort(ordered)
    if n == 0:
        return float("nan")
    middle = n // 2
    return float(ordered[middle]) if n % 2 else float((ordered[middle - 1] + ordered[middle]) / 2)
