"""How fast this host runs Python at the moment, printed beside a benchmark's figures.

The project's machine is shared: the same code has measured 1.5x faster or slower within an hour, with no
load visible inside it. A fixed loop timed in the same run tells a slow moment from slower code.
"""
from __future__ import annotations

import time

#: The loop's time on this project's 2-core machine when it is quiet (best of 5, CPU time).
QUIET_MS = 30.0


def _loop() -> dict[int, int]:
    totals: dict[int, int] = {}
    for n in range(300_000):
        totals[n % 1000] = totals.get(n % 1000, 0) + n
    return totals


def reference_loop_ms(rounds: int = 5) -> float:
    """CPU milliseconds of a fixed dictionary-and-integer loop, the best of *rounds*."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        _loop()
        best = min(best, time.process_time() - started)
    return best * 1000


def describe() -> str:
    """One line: the reference loop's time now against a quiet host's."""
    now = reference_loop_ms()
    return f"host: a fixed Python loop takes {now:.0f} ms now, {QUIET_MS:.0f} ms when the machine is quiet"
