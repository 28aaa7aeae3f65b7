"""GPS tracks: read CSV, GeoJSON or GPX; validate, sort, de-duplicate, drop stale repeats and impossible jumps.

Every dropped record is reported with its reason and its 1-based record number in the input (CSV data
row, GeoJSON feature, GPX point); nothing is dropped silently. A track is refused when fewer than two
valid fixes remain or when more than half of the records are invalid (the file is then more likely
in the wrong format than noisy). Stale repeats (:func:`_stale_repeats`) are dropped but not counted as
invalid: they are well-formed records of a logger that had no new position, not a sign of a wrong format.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from routing._errors import RoutingInputError
from routing._lazy import lazy
from routing._numeric import median
from routing._validate import lonlat_mask
from routing.episodes import fill_runs

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

#: Faster jumps between fixes are dropped, and so is a fix reporting a faster speed (or a negative one): no road
#: vehicle does it, so such a value is a device fault or hostile, never a reading to keep.
MAX_SPEED_KPH = 250.0
#: The window a fix's time must lie in, checked before any conversion to nanoseconds (whose int64 range ends in
#: 1677 and 2262, where a wrapped value would pass for another date): from 2000 (earlier times are device faults,
#: an unset clock at 1970 or 1980, or hostile) to a day past now (a device's clock or time zone slightly off;
#: the live service allows far less, see ``app.services.tracking.CLOCK_SKEW``).
EARLIEST_FIX = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
FUTURE_TOLERANCE = dt.timedelta(days=1)
_ALIASES = {
    "time": ("time", "timestamp", "datetime", "gps_time", "t"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "lat": ("lat", "latitude", "y"),
    "speed": ("speed", "speed_kph", "speed_kmh"),
}
_REPORTED_ROWS = 10  # record numbers listed per reason; the count is always exact
_MAX_BURST = 20  # longest run of fixes the jump filter may treat as outliers


@dataclass
class Track:
    """A validated track: valid fixes in time order.

    Attributes
    ----------
    lon, lat : numpy.ndarray
        WGS-84 degrees.
    time_ns : numpy.ndarray
        UTC nanoseconds since the epoch, strictly increasing.
    speed_kph : numpy.ndarray or None
        Reported speed, when the input had it.
    points : int
        Records read from the input.
    dropped : list of dict
        ``{"reason", "count", "rows"}`` per reason (``rows``: the first record numbers).
    """

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    time_ns: npt.NDArray[np.int64]
    speed_kph: npt.NDArray[np.float64] | None
    points: int
    dropped: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lon)


def _numbers(raw: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Numbers (or numeric text) as floats, anything else NaN; a boolean is not a number here (JSON ``true``
    would otherwise read as 1)."""
    if raw.dtype == bool:
        return np.full(len(raw), np.nan)
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    if raw.dtype == object:
        numbers[[isinstance(value, (bool, np.bool_)) for value in raw]] = np.nan
    return numbers


def _parse_times(raw: pd.Series, latest: pd.Timestamp) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Parse ISO 8601 (naive means UTC) or epoch seconds (milliseconds above 1e11): UTC nanoseconds, NaT (and
    any time outside [:data:`EARLIEST_FIX`, *latest*]) as int64 min; and which times were outside that window.

    The window is checked on the parsed value (seconds, or pandas' datetime of whatever resolution it chose)
    before it becomes nanoseconds, so no time wraps around into the window."""
    result = np.full(len(raw), np.iinfo(np.int64).min, dtype=np.int64)
    outside = np.zeros(len(raw), dtype=bool)
    if isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw):
        # Times already read (an archive's timestamp column): taken as they are, naive ones as UTC, to the
        # nanosecond; formatting them as text to parse them again would cost most of a check's time.
        times = pd.DatetimeIndex(raw).as_unit("ns")
        times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
        out = np.asarray((times < EARLIEST_FIX) | (times > latest))
        known = ~np.asarray(times.isna()) & ~out
        result[known] = times.asi8[known]
        return result, out
    values = raw.to_numpy()
    # A text with a colon is never a number: sparing ISO 8601 times the number parse, which is slow when it
    # fails, halves the time of a batch of them; the result is the same. (numpy arrays, not Series: a live
    # upload is often a few dozen fixes, where pandas' overhead per call is most of the cost.)
    maybe = (np.ones(len(values), dtype=bool) if pd.api.types.is_numeric_dtype(raw)
             else np.char.find(values.astype(str), ":") < 0)
    numeric = np.full(len(values), np.nan)
    if maybe.any():
        numeric[maybe] = _numbers(values[maybe])
    is_num = ~np.isnan(numeric)
    if is_num.any():
        seconds = numeric[is_num]
        seconds = np.where(np.abs(seconds) > 1e11, seconds / 1000.0, seconds)
        ok = (seconds >= EARLIEST_FIX.timestamp()) & (seconds <= latest.timestamp())  # False for inf
        result[np.flatnonzero(is_num)[ok]] = np.round(seconds[ok] * 1e9).astype(np.int64)
        outside[np.flatnonzero(is_num)[~ok]] = True
    text = ~is_num & ~pd.isna(values)  # a boolean too: it reads as no time
    if text.any():
        texts = values[text]
        if pd.api.types.infer_dtype(texts, skipna=False) != "string":  # numbers in a text column, other objects
            texts = texts.astype(str)
        # Objects that are all str parse at twice the speed of the same as a numpy str array (no copy either).
        parsed = pd.to_datetime(texts, format="ISO8601", utc=True, errors="coerce", cache=False)
        out = np.asarray((parsed < EARLIEST_FIX) | (parsed > latest))
        outside[np.flatnonzero(text)[out]] = True
        result[text] = parsed.where(~out).to_numpy(dtype="datetime64[ns]").astype(np.int64)  # NaT: int64 min
    return result, outside


def _columns(frame: pd.DataFrame, source: str) -> dict[str, str]:
    return column_names(list(frame.columns), source)


def column_names(names: list[Any], source: str) -> dict[str, Any]:
    """Which of *names* (a header) hold the time, lon, lat and optional speed: by the aliases of each, matched
    stripped and case-insensitively; refuse a header without time, lon and lat."""
    lower = {str(c).strip().lower(): c for c in names}
    found = {key: next((lower[a] for a in aliases if a in lower), None) for key, aliases in _ALIASES.items()}
    missing = [k for k in ("time", "lon", "lat") if found[k] is None]
    if missing:
        shown = ", ".join(repr(str(c)) for c in list(names)[:5])
        raise RoutingInputError(f"{source}: header must name time, lon and lat columns (found {shown})")
    return {k: v for k, v in found.items() if v is not None}


def track_from_frame(frame: pd.DataFrame, *, gcj02: bool = False, source: str = "track",
                     max_speed_kph: float = MAX_SPEED_KPH, min_valid: int = 2,
                     require_majority: bool = True) -> Track:
    """Validate a table of fixes (columns ``time``, ``lon``, ``lat``, optional ``speed`` km/h).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per fix, in any order.
    gcj02 : bool
        Coordinates are GCJ-02 and are converted to WGS-84.
    source : str
        Name used in messages.
    max_speed_kph : float
        Fixes implying a faster jump are dropped.
    min_valid : int
        Refuse the frame when fewer valid fixes remain (a track to check needs 2; a live upload 1).
    require_majority : bool
        Refuse the frame when more than half its rows are invalid (a file that is mostly garbage).

    Returns
    -------
    Track
    """
    if frame.empty:
        raise RoutingInputError(f"{source}: no fixes")
    lon, lat, time_ns, speed, reason = _read(frame, source, gcj02, max_speed_kph)
    return _finish(lon, lat, time_ns, speed, reason, source, max_speed_kph, min_valid, require_majority)


def tracks_from_frame(frame: pd.DataFrame, group: npt.NDArray[np.intp], groups: int, *, gcj02: bool = False,
                      source: str = "track", max_speed_kph: float = MAX_SPEED_KPH) -> list[Track]:
    """Validate a table holding the fixes of several tracks at once (a feed of many vehicles).

    The columns are read and checked row by row for the whole table in one go (the costly part: parsing times
    and numbers); sorting, duplicate times and impossible jumps are then judged within each track, exactly as
    :func:`track_from_frame` judges one. No track is refused: one with no valid fix comes back empty, with its
    rows in ``dropped``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per fix, columns as for :func:`track_from_frame`.
    group : numpy.ndarray
        The track (0 .. ``groups`` - 1) each row belongs to.
    groups : int
        How many tracks.
    gcj02, source, max_speed_kph
        As for :func:`track_from_frame`.

    Returns
    -------
    list of Track
        One per group; ``points`` counts its rows and ``dropped`` names them by their record number in *frame*.
    """
    return tracks_from_columns(_fix_columns(frame, source), group, groups, gcj02=gcj02, source=source,
                               max_speed_kph=max_speed_kph)


def tracks_from_columns(columns: FixColumns, group: npt.NDArray[np.intp], groups: int, *, gcj02: bool = False,
                        source: str = "track", max_speed_kph: float = MAX_SPEED_KPH) -> list[Track]:
    """:func:`tracks_from_frame` of fixes read into arrays already (an archive's Arrow columns, which need no
    parsing), with the same validation and result."""
    lon, lat, time_ns, speed, reason = _reasons(columns, gcj02, max_speed_kph)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(groups + 1))
    # The columns put in track order once; each track is then a slice of them (a view, not another copy).
    lon, lat, time_ns, reason = lon[order], lat[order], time_ns[order], reason[order]
    speed = None if speed is None else speed[order]
    clean = _clean(lon, lat, time_ns, reason, bounds, max_speed_kph).tolist()
    tracks = []
    for first, last, as_given in zip(bounds[:-1].tolist(), bounds[1:].tolist(), clean):  # per track, not per fix
        rows = slice(first, last)
        if as_given:  # what _finish would keep: every row, in the order given
            tracks.append(Track(lon=lon[rows], lat=lat[rows], time_ns=time_ns[rows],
                                speed_kph=None if speed is None else speed[rows], points=last - first, dropped=[]))
            continue
        tracks.append(_finish(lon[rows], lat[rows], time_ns[rows], None if speed is None else speed[rows],
                              reason[rows].copy(), source, max_speed_kph, min_valid=0, require_majority=False,
                              records=order[rows] + 1))
    return tracks


@dataclass
class FixColumns:
    """A table's fixes read into arrays, before validation: each CSV/GeoJSON/GPX reader's result."""

    lon: npt.NDArray[np.float64]  # NaN where missing or not a number
    lat: npt.NDArray[np.float64]
    missing: npt.NDArray[np.bool_]  # no lon or no lat at all (an empty cell), as against text that is no number
    time_ns: npt.NDArray[np.int64]  # int64 min where unreadable or outside the window
    time_outside: npt.NDArray[np.bool_]  # outside [EARLIEST_FIX, now + FUTURE_TOLERANCE]
    speed: npt.NDArray[np.float64] | None = None


def latest_fix_time() -> dt.datetime:
    """The latest time a fix may have: now plus :data:`FUTURE_TOLERANCE`."""
    return dt.datetime.now(dt.timezone.utc) + FUTURE_TOLERANCE


def _clean(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], time_ns: npt.NDArray[np.int64],
           reason: npt.NDArray[np.uint8], bounds: npt.NDArray[np.intp], max_speed_kph: float) -> npt.NDArray[np.bool_]:
    """Which tracks (rows ``bounds[k]:bounds[k + 1]``, grouped) :func:`_finish` would keep whole and as given,
    judged for all at once (an archive's trips, mostly): every row valid, times strictly increasing, no position
    repeated (no stale repeat), and no step faster than *max_speed_kph* even measured with the longitude's
    metres of the equator (an upper bound of :func:`_kph`'s, so no impossible jump)."""
    pair = np.ones(len(lon), dtype=bool)  # whether the row is fine, and so is the step to it from the row before
    pair &= reason == 0
    step_lon, step_lat = np.diff(lon), np.diff(lat)
    with np.errstate(divide="ignore", invalid="ignore"):
        step_ns = np.diff(time_ns)
        fast = np.hypot(step_lon * 111_320.0, step_lat * 110_574.0) / (step_ns / 1e9) * 3.6 > max_speed_kph
    pair[1:] &= (step_ns > 0) & ((step_lon != 0) | (step_lat != 0)) & ~fast
    starts = bounds[:-1]
    first_of_track = np.zeros(len(lon), dtype=bool)
    first_of_track[starts[starts < len(lon)]] = True
    fine = pair | (first_of_track & (reason == 0))  # a track's first row has no step of its own
    bad = np.concatenate(([0], np.cumsum(~fine)))
    return bad[bounds[1:]] == bad[starts]


def _read(frame: pd.DataFrame, source: str, gcj02: bool, max_speed_kph: float) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64] | None,
        npt.NDArray[np.uint8]]:
    """The columns as arrays, and each row's reason to be dropped (:func:`_reasons`)."""
    return _reasons(_fix_columns(frame, source), gcj02, max_speed_kph)


def _fix_columns(frame: pd.DataFrame, source: str) -> FixColumns:
    """The table's columns read into arrays (numbers and times parsed), before validation."""
    cols = _columns(frame, source)
    lon_raw, lat_raw = frame[cols["lon"]].to_numpy(), frame[cols["lat"]].to_numpy()
    time_ns, time_outside = _parse_times(frame[cols["time"]], pd.Timestamp(latest_fix_time()))
    return FixColumns(lon=_numbers(lon_raw), lat=_numbers(lat_raw), missing=pd.isna(lon_raw) | pd.isna(lat_raw),
                      time_ns=time_ns, time_outside=time_outside,
                      speed=_numbers(frame[cols["speed"]].to_numpy()) if "speed" in cols else None)


#: Why a record is dropped, by code (0: kept); the jump's names the speed limit. (Codes, not texts, per record:
#: comparing a million Python strings cost a tenth of a second.)
_REASONS = ("", "speed out of range", "unparseable time", "time out of range", "coordinate out of range",
            "non-numeric coordinate", "missing coordinate", "duplicate time", "stale repeat",
            "impossible jump (over {max_speed_kph:g} km/h)")
_CODE = {text: code for code, text in enumerate(_REASONS)}


def _reasons(columns: FixColumns, gcj02: bool, max_speed_kph: float) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64] | None,
        npt.NDArray[np.uint8]]:
    """The arrays, and each row's reason to be dropped (its code in :data:`_REASONS`; 0 when valid)."""
    lon, lat, time_ns, speed = columns.lon, columns.lat, columns.time_ns, columns.speed
    reason = np.zeros(len(lon), dtype=np.uint8)
    if speed is not None:  # optional: a missing or unreadable speed is no speed, one out of range no fix
        reason[(speed < 0) | (speed > max_speed_kph)] = _CODE["speed out of range"]  # NaN compares False
    # Later assignments win, so the checks go from least to most basic.
    reason[time_ns == np.iinfo(np.int64).min] = _CODE["unparseable time"]
    reason[columns.time_outside] = _CODE["time out of range"]
    reason[~lonlat_mask(lon, lat)] = _CODE["coordinate out of range"]
    reason[np.isnan(lon) | np.isnan(lat)] = _CODE["non-numeric coordinate"]
    reason[columns.missing] = _CODE["missing coordinate"]
    if gcj02:
        # Imported here: this module is what ``route check`` imports before it starts reading a CSV, and
        # pyproj and shapely, imported meanwhile, are the rest of its start-up (issue 18).
        from routing.projection import gcj02_to_wgs84

        lon, lat = gcj02_to_wgs84(lon, lat)
    return lon, lat, time_ns, speed, reason


def _finish(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], time_ns: npt.NDArray[np.int64],
            speed: npt.NDArray[np.float64] | None, reason: npt.NDArray[np.uint8], source: str,
            max_speed_kph: float, min_valid: int = 2, require_majority: bool = True,
            records: npt.NDArray[np.intp] | None = None) -> Track:
    """Sort the valid records, drop duplicate times and impossible jumps, build the report (rows by their
    number in *records*, else by position)."""
    order = np.flatnonzero(reason == 0)
    in_order = True  # then *order* is ascending: while it holds every record too, it picks each array whole

    def picked(values: npt.NDArray[Any], copy: bool = False) -> npt.NDArray[Any]:
        """*values* of the records in *order*; when that is every record (a clean track), the array itself (to be
        read only) or its copy: a gather of a million fixes cost several times a copy (issue 18)."""
        if in_order and len(order) == len(values):
            return values.copy() if copy else values
        return values[order]

    times = picked(time_ns)
    if len(order) > 1 and not (times[1:] > times[:-1]).all():  # a logger's file is in time order already
        order = order[np.argsort(times, kind="stable")]
        in_order, times = False, time_ns[order]
    duplicate = np.zeros(len(order), dtype=bool)
    duplicate[1:] = times[1:] == times[:-1]
    if duplicate.any():
        reason[order[duplicate]] = _CODE["duplicate time"]
        order = order[~duplicate]
    stale = _stale_repeats(picked(lon), picked(lat), picked(time_ns), max_speed_kph)
    if stale.any():
        reason[order[stale]] = _CODE["stale repeat"]
        order = order[~stale]
    jumps = _impossible_jumps(picked(lon), picked(lat), picked(time_ns), max_speed_kph)
    if jumps.any():
        reason[order[jumps]] = _CODE["impossible jump (over {max_speed_kph:g} km/h)"]
        order = order[~jumps]
    dropped = []
    codes, first = np.unique(reason[reason != 0], return_index=True)
    for code in codes[np.argsort(first)]:  # in the order they first occur
        rows = np.flatnonzero(reason == code)
        rows = rows + 1 if records is None else records[rows]
        dropped.append({"reason": _REASONS[code].format(max_speed_kph=max_speed_kph), "count": int(len(rows)),
                        "rows": rows[:_REPORTED_ROWS].tolist()})
    total = len(reason)
    if len(order) < min_valid or (require_majority and (len(order) + int(stale.sum())) * 2 < total):
        summary = "; ".join(f"{d['reason']} ×{d['count']} (first row {d['rows'][0]})" for d in dropped)
        raise RoutingInputError(f"{source}: too few valid fixes ({len(order)} of {total}, at least {min_valid} "
                                f"and most rows needed)" + (f": {summary}" if summary else ""))
    return Track(lon=picked(lon, copy=True), lat=picked(lat, copy=True), time_ns=picked(time_ns, copy=True),
                 speed_kph=None if speed is None else picked(speed, copy=True), points=total, dropped=dropped)


def _kph(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], time_ns: npt.NDArray[np.int64],
         a: npt.NDArray[np.intp] | slice, b: npt.NDArray[np.intp] | slice, coslat: float) -> npt.NDArray[np.float64]:
    """Speed (km/h) implied by going from fixes *a* to fixes *b* (indices, or slices: no gather), in equirectangular
    metres: errors of a fraction of a percent are irrelevant at a 250 km/h threshold."""
    dx = (lon[b] - lon[a]) * coslat * 111_320.0
    dy = (lat[b] - lat[a]) * 110_574.0
    return np.hypot(dx, dy) / ((time_ns[b] - time_ns[a]) / 1e9) * 3.6


def _stale_repeats(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], time_ns: npt.NDArray[np.int64],
                   max_speed_kph: float) -> npt.NDArray[np.bool_]:
    """Mark the stale repeats: fixes repeating the position before them, with a new time, while the vehicle moved.

    Some loggers, when they have no new position, send the last one again with the current time, then jump to
    catch up. Judged from the last repeat's time the catch-up fix looks impossibly fast, and the jump filter
    would drop it (and, between irregular runs of repeats, most of the track). A repeated position says nothing
    new: the catch-up is judged from the time of the last *fresh* fix (the first of the identical run). The
    repeats after that fresh fix are stale, and dropped, when the fix after them is out of reach from the last
    repeat but within reach from the fresh fix, and is itself confirmed by the fix after it (within reach of it,
    or the track ends): a lone outlier after a genuine stop is not confirmed, so the stop's fixes stay and the
    jump filter drops the outlier. A stop whose next fix is within reach keeps its repeats: they are true.
    """
    n = len(lon)
    same = np.zeros(n, dtype=bool)
    same[1:] = (lon[1:] == lon[:-1]) & (lat[1:] == lat[:-1])
    if n < 3 or not same.any():  # the usual batch: nothing repeated
        return np.zeros(n, dtype=bool)
    fresh = np.where(same, 0, np.arange(n))
    np.maximum.accumulate(fresh, out=fresh)  # each fix's first fix of its identical run
    after = np.flatnonzero(~same[1:] & same[:-1]) + 1  # the fix after each run of repeats
    last, first = after - 1, fresh[after - 1]
    coslat = np.cos(np.radians(median(lat)))
    follower = np.minimum(after + 1, n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        confirmed = (after == n - 1) | (_kph(lon, lat, time_ns, after, follower, coslat) <= max_speed_kph)
        stale = ((_kph(lon, lat, time_ns, last, after, coslat) > max_speed_kph)
                 & (_kph(lon, lat, time_ns, first, after, coslat) <= max_speed_kph) & confirmed)
    return fill_runs(np.zeros(n, dtype=bool), first[stale] + 1, after[stale])


def _impossible_jumps(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
                      time_ns: npt.NDArray[np.int64], max_speed_kph: float) -> npt.NDArray[np.bool_]:
    """Mark fixes reached at more than ``max_speed_kph``, vectorised per pass.

    The jumps cut the track into segments of mutually plausible fixes. Each pass drops every short
    segment (at most ``_MAX_BURST`` fixes) no larger than its neighbours and smaller than one of them:
    a lone outlier or a burst of bad fixes between two good stretches. A jump between two long
    stretches is left alone (with 1 Hz fixes, GPS noise alone sometimes implies 250 km/h, and a
    long stretch is not an outlier); the corridor check judges it. Each pass is one numpy computation
    and all such segments go at once, so the passes are few.

    Only the first pass looks at every fix. A pass changes the track only where it dropped segments: the fixes on
    either side of a dropped run become neighbours, and their one new step decides whether the segments around it
    merge. So the passes after the first work on the segments (a few per thousand fixes on a noisy track), not on
    the fixes: on a million fixes, each pass over the fixes cost a tenth of a second.
    """
    n = len(lon)
    coslat = np.cos(np.radians(median(lat))) if n else 1.0
    fast = _kph(lon, lat, time_ns, slice(None, -1), slice(1, None), coslat) > max_speed_kph
    if not fast.any():  # one plausible stretch (the usual batch): nothing to drop
        return np.zeros(n, dtype=bool)
    segment = np.concatenate(([0], np.cumsum(fast)))  # each fix's segment of the first pass
    first = np.concatenate(([0], np.flatnonzero(fast) + 1))  # per segment: its first and last fix, its size
    last = np.append(first[1:] - 1, n - 1)
    sizes = (last - first + 1).astype(float)
    low = high = np.arange(len(first))  # the first-pass segments a segment spans (merged ones span several)
    dropped = np.zeros(len(first), dtype=bool)  # per first-pass segment
    while True:
        left = np.concatenate(([np.nan], sizes[:-1]))
        right = np.concatenate((sizes[1:], [np.nan]))
        with np.errstate(invalid="ignore"):
            drop = (sizes <= _MAX_BURST) & (sizes <= np.fmin(left, right)) & (sizes < np.fmax(left, right))
        if not drop.any():
            return dropped[segment]
        dropped = fill_runs(dropped, low[drop], high[drop] + 1)
        kept = np.flatnonzero(~drop)
        # Neighbours that stay neighbours keep their fast step; those that had a dropped run between them get the
        # step from the last fix of one to the first of the other, and merge when it is plausible.
        bridged = np.diff(kept) > 1
        apart = np.ones(len(kept) - 1, dtype=bool)
        apart[bridged] = _kph(lon, lat, time_ns, last[kept[:-1][bridged]], first[kept[1:][bridged]],
                              coslat) > max_speed_kph
        opens = kept[np.concatenate(([True], apart))]  # the first old segment of each new one
        closes = kept[np.concatenate((apart, [True]))]  # its last
        sizes = np.add.reduceat(sizes[kept], np.flatnonzero(np.concatenate(([True], apart))))
        first, last, low, high = first[opens], last[closes], low[opens], high[closes]


def read_track(path: str | Path, *, gcj02: bool = False, max_speed_kph: float = MAX_SPEED_KPH,
               clean: Callable[[], Track | None] | None = None) -> Track:
    """Read a track file: CSV (with a header), GeoJSON (Point features with ``time``) or GPX.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; the format is chosen by suffix (``.csv``, ``.geojson``/``.json``, ``.gpx``).
    gcj02 : bool
        Coordinates are GCJ-02 (Chinese web maps) and are converted to WGS-84.
    max_speed_kph : float
        Jumps faster than this between consecutive fixes are dropped and reported.
    clean : callable, optional
        For a CSV whose reading the caller started already (``route check`` reads it on a thread while it imports
        the rest: :func:`routing.track_csv.reading_ahead`): :func:`clean_csv_track`'s result for it.

    Returns
    -------
    Track
    """
    source = Path(path)
    if not source.is_file():
        raise RoutingInputError(f"track file not found: {source}")
    suffix = source.suffix.lower()
    if suffix in {".geojson", ".json"}:
        frame = _geojson_frame(source)
    elif suffix == ".gpx":
        frame = _gpx_frame(source)
    else:  # what is_csv says
        track = clean() if clean is not None else clean_csv_track(source, gcj02=gcj02, max_speed_kph=max_speed_kph)
        if track is not None:  # a clean file, read by Arrow; any other goes through pandas, row by row
            return track
        try:
            frame = pd.read_csv(source, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise RoutingInputError(f"{source.name}: empty file") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise RoutingInputError(f"{source.name}: not a CSV file ({' '.join(str(exc).split())})") from None
    return track_from_frame(frame, gcj02=gcj02, source=source.name, max_speed_kph=max_speed_kph)


def clean_csv_track(source: Path, *, gcj02: bool = False, max_speed_kph: float = MAX_SPEED_KPH) -> Track | None:
    """The validated track of a clean CSV file, read by Arrow (:mod:`routing.track_csv`); None when the file needs
    pandas' reader. The arguments and the refusal of a track are :func:`read_track`'s."""
    from routing.track_csv import csv_columns  # imports this module: not at the top

    columns = csv_columns(source)
    if columns is None:
        return None
    lon, lat, time_ns, speed, reason = _reasons(columns, gcj02, max_speed_kph)
    return _finish(lon, lat, time_ns, speed, reason, source.name, max_speed_kph)


def is_csv(path: str | Path) -> bool:
    """Whether :func:`read_track` reads *path* as CSV (anything not named GeoJSON or GPX)."""
    return Path(path).suffix.lower() not in {".geojson", ".json", ".gpx"}


def _geojson_frame(source: Path) -> pd.DataFrame:
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RoutingInputError(f"{source.name}: not GeoJSON ({exc})") from None
    features = data.get("features") if isinstance(data, Mapping) else None
    if not isinstance(features, list):
        raise RoutingInputError(f"{source.name}: expected a FeatureCollection of Points with a time property")
    rows = []
    for item in features:
        feature = item if isinstance(item, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else {}
        coords = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        ok = isinstance(coords, list) and len(coords) >= 2
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        rows.append({"time": props.get("time"), "lon": coords[0] if ok else None,
                     "lat": coords[1] if ok else None, "speed": props.get("speed")})
    return pd.DataFrame(rows, columns=["time", "lon", "lat", "speed"])


def _gpx_frame(source: Path) -> pd.DataFrame:
    import gpxpy  # GPX files are rare: the parser is imported when one comes

    try:
        gpx = gpxpy.parse(source.read_text(encoding="utf-8"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError) as exc:
        raise RoutingInputError(f"{source.name}: not GPX ({' '.join(str(exc).split())})") from None
    points = [p for track in gpx.tracks for segment in track.segments for p in segment.points]
    return pd.DataFrame(
        {"time": [p.time.isoformat() if p.time else None for p in points],
         "lon": [p.longitude for p in points], "lat": [p.latitude for p in points]},
        columns=["time", "lon", "lat"],
    )
