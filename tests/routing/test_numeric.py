"""The median of :mod:`routing._numeric` is ``np.nanmedian``'s, to the bit, however its values lie (the selection
from a sampled bracket of a long array falls back to a partition of all of them when the bracket misses)."""
from __future__ import annotations

import numpy as np
import pytest

from routing import _numeric
from routing._numeric import median

RNG = np.random.default_rng(2026)
KINDS = {
    "normal": lambda n: RNG.normal(size=n),
    "few values": lambda n: RNG.integers(0, 3, n).astype(float),
    "all the same": lambda n: np.ones(n),
    "a track's intervals": lambda n: np.where(RNG.random(n) < 0.07, RNG.integers(2, 9, n), 1.0),
    "sorted": lambda n: np.sort(RNG.normal(size=n)),
    "reversed": lambda n: np.sort(RNG.normal(size=n))[::-1].copy(),
    "two clusters": lambda n: np.where(RNG.random(n) < 0.5, 0.0, 1e6) + RNG.random(n),
    "with NaN": lambda n: np.where(RNG.random(n) < 0.1, np.nan, RNG.normal(size=n)),
    "outliers at the middle": lambda n: np.concatenate((np.zeros(n // 2), np.full(n - n // 2, 5.0))),
}


@pytest.mark.parametrize("n", [1, 2, 999, 1000, 1001, 1002, 4097, 100_001, 300_000])
@pytest.mark.parametrize("kind", KINDS)
def test_median_is_numpys(kind, n):
    values = KINDS[kind](n)
    before = values.copy()
    assert median(values) == np.nanmedian(values) or np.isnan(np.nanmedian(values))
    np.testing.assert_array_equal(values, before)  # read, not reordered


@pytest.mark.parametrize("spread", [0, 1, 64])
def test_a_bracket_that_misses_falls_back_to_a_partition_of_all(monkeypatch, spread):
    """A narrow bracket (no sampled value either side of the middle) often misses the middle values: the same
    median all the same."""
    monkeypatch.setattr(_numeric, "_SPREAD", spread)
    for kind in KINDS:
        for n in (1001, 1002, 50_000, 50_001):
            values = KINDS[kind](n)
            assert median(values) == np.nanmedian(values), kind


def test_no_values_and_only_nan():
    assert np.isnan(median(np.zeros(0))) and np.isnan(median(np.full(5000, np.nan)))
