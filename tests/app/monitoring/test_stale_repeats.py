"""An upload from a logger that repeats stale positions: the live ingestion reads it with route check's filter."""
from __future__ import annotations

import datetime as dt

from tests.app.monitoring.conftest import A, alerts_of, post_fixes


def test_stale_repeats_are_dropped_and_the_catch_up_fixes_stored(client, road):
    # 72 km/h at 1 Hz along the road; after each fresh fix the logger repeats it for 3-6 s, then catches up.
    held = [5, 4, 7, 4, 6, 4, 5, 7]
    fresh = [0]
    for seconds in held:
        fresh.append(fresh[-1] + seconds)
    start = road.t0 + dt.timedelta(minutes=5)
    fixes = []
    for second in range(fresh[-1] + 1):
        shown = max(f for f in fresh if f <= second)
        fixes.append({"time": (start + dt.timedelta(seconds=second)).isoformat(),
                      "lon": round(A[0] + 0.001 + shown * 20 / 95_200, 7), "lat": A[1]})
    report = post_fixes(client, road, fixes)
    assert report["stored"] == len(fresh)
    assert report["dropped"] == [{"reason": "stale repeat", "count": len(fixes) - len(fresh),
                                  "rows": [s + 1 for s in range(len(fixes)) if s not in fresh][:10]}]
    assert alerts_of(client, road) == []
