"""How far off the corridor each fix of a track lies, measured when asked: every fix's distance (the live checks
store it per fix), or only the largest over ranges of fixes (an episode's ``max_offset_m``, all that ``route
check`` reports of them).

Measuring every fix off the corridor was the per-fix stage's cost that grew with the share of a track on detours
(issue 18). The largest distance over a range needs few of them: each fix's distance lies between bounds taken from
its cell of :class:`~routing.distances.BoundaryDistance` (a tenth of the cost), and a fix whose upper bound is below
the largest lower bound of its range cannot hold the range's largest distance. Only the others are measured, by the
same function as every fix would be, so the largest is the same value to the bit.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
#: The distances of the fixes at the given indices (of the fixes outside the corridor): each fix's value does not
#: depend on which others are measured with it.
Measure = Callable[[IntArray], FloatArray]


class Offsets:
    """The distances off the corridor of a track's fixes (0 for a fix inside it), metres, measured when asked."""

    def __init__(self, outside: BoolArray, measure: Measure | None = None,
                 bounds: tuple[FloatArray, FloatArray] | None = None, *, values: FloatArray | None = None):
        """*outside*: which fixes lie outside the corridor; *measure* their distances, *bounds* the lower and upper
        bounds of every fix's distance (0 inside; and a 0 after the last fix); or *values*: every fix's distance,
        measured already (and a 0 after the last)."""
        self._outside, self._measure, self._bounds = outside, measure, bounds
        self._values = values  # with a 0 after the last fix (see _all)
        self._whole, self._start, self._stop = self, 0, len(outside)

    @classmethod
    def known(cls, values: FloatArray) -> Offsets:
        """Every fix's distance, measured already."""
        return cls(values > 0, values=np.append(values, 0.0))

    def __len__(self) -> int:
        return self._stop - self._start

    def part(self, start: int, stop: int) -> Offsets:
        """Fixes ``start:stop`` (one track of joined tracks); measured fixes are shared with the whole."""
        part = Offsets.__new__(Offsets)
        part._whole, part._start, part._stop = self._whole, self._start + start, self._start + stop
        return part

    def array(self) -> FloatArray:
        """Every fix's distance (all of the joined fixes measured at once, the first time)."""
        return self._whole._all()[:-1][self._start:self._stop]

    def range_max(self, starts: IntArray, ends: IntArray) -> FloatArray:
        """The largest distance over each range of fixes ``starts[k]:ends[k]`` (``ends`` exclusive, after its start;
        ranges may overlap), as :func:`numpy.maximum.reduceat` of :meth:`array` gives it, measuring only the fixes
        that may hold it when they are not measured yet."""
        whole = self._whole
        first = np.asarray(starts, dtype=np.intp) + self._start
        last = np.maximum(np.asarray(ends, dtype=np.intp) + self._start, first + 1)
        if whole._values is not None or whole._bounds is None or not len(first):
            return _range_max(whole._all(), first, last)
        lower, upper = whole._bounds
        index, which = _candidates(whole._outside, upper, _range_max(lower, first, last), first, last)
        largest = np.zeros(len(first))
        if len(index):
            fixes, at = np.unique(index, return_inverse=True)  # a fix of two overlapping ranges measured once
            np.maximum.at(largest, which, whole._measure(fixes)[at])
        return largest

    def _all(self) -> FloatArray:
        """Every fix's distance and a 0 after the last (:func:`_range_max`'s), measured once."""
        if self._values is None:
            values = np.zeros(len(self._outside) + 1)
            off = np.flatnonzero(self._outside)
            if len(off):
                values[off] = self._measure(off)
            self._values = values
        return self._values


def _candidates(outside: BoolArray, upper: FloatArray, threshold: FloatArray, first: IntArray,
                last: IntArray) -> tuple[IntArray, IntArray]:
    """The fixes outside the corridor of each range ``first[k]:last[k]`` whose upper bound reaches the range's
    *threshold* (the largest lower bound in it), and the range of each."""
    lengths = last - first
    if lengths.sum() > len(outside) // 8 and (first[1:] >= last[:-1]).all():
        # Long ranges one after another (a rule's runs on a track mostly off the corridor): a threshold for every
        # fix up to the last range's end, infinite between the ranges, compared in one pass, without gathers.
        gaps = first - np.concatenate(([0], last[:-1]))
        every = np.repeat(np.column_stack((np.full(len(first), np.inf), threshold)).ravel(),
                          np.column_stack((gaps, lengths)).ravel())
        end = int(last[-1])
        index = np.flatnonzero(outside[:end] & (upper[:end] >= every))
        return index, np.searchsorted(first, index, side="right") - 1
    which = np.repeat(np.arange(len(first)), lengths)
    index = np.arange(len(which)) - np.repeat(np.cumsum(lengths) - lengths, lengths) + np.repeat(first, lengths)
    keep = outside[index] & (upper[index] >= threshold[which])
    return index[keep], which[keep]


def _range_max(values: FloatArray, starts: IntArray, ends: IntArray) -> FloatArray:
    """Each half-open range's largest value (*values* with one more value, for a range ending at the last fix)."""
    if not len(starts):
        return np.zeros(0)
    # reduceat over interleaved (start, end) bounds gives each half-open range's maximum at even slots
    return np.maximum.reduceat(values, np.column_stack((starts, ends)).ravel())[0::2]
