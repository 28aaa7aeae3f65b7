"""Daily time windows (local time of day) for corridors and zones, evaluated for many fixes at once."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from routing._errors import RoutingInputError
from routing._lazy import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?$")


@dataclass(frozen=True)
class TimeWindows:
    """Daily windows in a time zone; empty means "always".

    Attributes
    ----------
    spans : tuple of (int, int)
        ``(start, end)`` seconds after local midnight; ``start > end`` wraps past midnight.
    tz : str
        IANA time zone of the windows (e.g. ``"Asia/Shanghai"``).
    """

    spans: tuple[tuple[int, int], ...] = ()
    tz: str = "UTC"

    @property
    def always(self) -> bool:
        """Whether the windows cover the whole day (no windows given)."""
        return not self.spans

    def active(self, time_ns: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Return which UTC instants (ns since the epoch) fall inside a window."""
        if self.always:
            return np.ones(len(time_ns), dtype=bool)
        local = pd.DatetimeIndex(time_ns.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(self.tz)
        seconds = (local.hour * 3600 + local.minute * 60 + local.second).to_numpy()
        result = np.zeros(len(time_ns), dtype=bool)
        for start, end in self.spans:
            if start <= end:
                inside = (seconds >= start) & (seconds < end)
            else:  # the window wraps past midnight
                inside = (seconds >= start) | (seconds < end)
            result |= inside
        return result


def _seconds(text: object, where: str) -> int:
    match = _HHMM.match(str(text).strip())
    if not match:
        raise RoutingInputError(f"{where}: time of day must be HH:MM, got {text!r}")
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    return hours * 3600 + minutes * 60 + seconds


def parse_time_windows(value: object, tz: object, *, where: str) -> TimeWindows:
    """Parse the ``time_windows`` and ``tz`` properties of a corridor feature.

    Parameters
    ----------
    value : list or None
        ``[["07:00", "19:00"], ...]`` or ``[{"start": "22:00", "end": "06:00"}]``.
    tz : str or None
        IANA time zone; UTC when absent.
    where : str
        The feature, for error messages.

    Returns
    -------
    TimeWindows
    """
    zone = str(tz or "UTC")
    if zone != "UTC":  # UTC needs no time zone database: zoneinfo (with sysconfig) is imported for a named zone
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RoutingInputError(f"{where}: unknown time zone {zone!r}") from None
    if value in (None, []):
        return TimeWindows((), zone)
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise RoutingInputError(f"{where}: time_windows must be a list of [start, end] pairs")
    spans = []
    for item in value:
        pair = (item.get("start"), item.get("end")) if isinstance(item, dict) else item
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise RoutingInputError(f"{where}: each time window needs a start and an end, got {item!r}")
        spans.append((_seconds(pair[0], where), _seconds(pair[1], where)))
    return TimeWindows(tuple(spans), zone)
