"""A stored trip's map match, computed once per process and reused (issue 20).

The compliance view (``GET /waybills/{id}/compliance``, with ``MONITOR_MAP_MATCH`` on), the waybill map drawn
from it and the map's driven roads all match the same stored fixes on the same prepared network
(:func:`app.services.road_network.matching_graph`) with the same parameters (:func:`match_parameters`): the
match is the same each time until a fix is stored, so it is kept in a bounded in-process cache
(:class:`MatchCache`, least recently used first out, by entries and by fixes held).

The key can never serve a stale match. Its fixes' part is the validated track itself: the number of fixes stored,
the newest fix's time and a digest of every fix's time, position and speed, read in the same request as the
check that uses them; so any fix stored since (a late one older than the newest too), dropped or changed gives
another key. The network is the prepared graph's identity (a cached match holds its graph, so no other graph
can take its ``id`` while the entry lives) and the parameters are the frozen :class:`MatchParameters`. The
waybill is part of the key as well: callers look the waybill up as the user may see it first, and only then ask
for its match, so the cache never hands one trip's match to another's request.

A trip still receiving fixes is matched afresh when its fixes change: the fixed-lag matcher of the live checks
extends a match exactly only for the fixes it has made final, while a whole-track match may still revise the
last fixes' roads when more arrive, so extending a cached match would not provably equal matching the whole
trip. Two requests for the same trip at once match it once: the second waits for the first's match
(a lock per key) rather than compute its own.
"""
from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.monitoring.settings import MonitorSettings
from models import GpsFix
from routing._lazy import lazy
from routing.tracks import Track, track_from_frame

if TYPE_CHECKING:
    import pandas as pd

    from routing.matching import MatchGraph, MatchParameters, MatchResult
else:
    pd = lazy("pandas")

#: Bounds of the process's cache: trips kept, and fixes in all (a match's per-fix arrays and its track take 72
#: bytes a fix, 29 MB for 400,000, plus the matched path's pieces; a 10-hour trip at 1 s sampling has 36,000).
MAX_TRIPS = 64
MAX_FIXES = 400_000


@dataclass(frozen=True)
class TripKey:
    """What a stored trip's match depends on (see the module's note): ``stored`` fixes read, ``fixes`` valid
    (the size of the match), the newest one's time, the digest of them all, the graph and the parameters."""

    waybill_id: uuid.UUID
    stored: int
    fixes: int
    newest_ns: int
    digest: str
    graph: int
    params: MatchParameters


def stored_track(session: Session, waybill_id: uuid.UUID) -> Track | None:
    """The waybill's stored fixes in time order, validated as the routing engine reads a track (impossible jumps
    dropped); ``None`` before any fix is stored. The caller has checked that the user may see the waybill.

    Raises
    ------
    routing.RoutingInputError
        No fix is usable.
    """
    fixes = session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat, GpsFix.speed_kph)
                            .where(GpsFix.waybill_id == waybill_id).order_by(GpsFix.at)).all()
    if not fixes:
        return None
    # Column by column: a frame made from the rows inspects each row (half the read of a long trip).
    frame = pd.DataFrame(dict(zip(["time", "lon", "lat", "speed"], zip(*fixes))))
    epoch = pd.Timestamp(0, tz="UTC")
    frame["time"] = (pd.to_datetime(frame["time"], utc=True) - epoch) / pd.Timedelta(seconds=1)
    if frame["speed"].isna().all():
        frame = frame.drop(columns="speed")
    return track_from_frame(frame, source="fixes", min_valid=1, require_majority=False)


def match_parameters(settings: MonitorSettings) -> MatchParameters:
    """The matcher's parameters for a stored trip: the live checks' (their GPS noise), so every view of a trip
    shows the roads the live checks judged."""
    from routing.matching import MatchParameters

    return MatchParameters(sigma_m=settings.match_sigma_m)


def trip_key(waybill_id: uuid.UUID, track: Track, graph: MatchGraph, params: MatchParameters) -> TripKey:
    """The cache key of the waybill's *track* matched on *graph* with *params*."""
    digest = hashlib.blake2b(digest_size=16)
    for column in (track.time_ns, track.lon, track.lat, track.speed_kph):
        digest.update(b"-" if column is None else column.tobytes())
    return TripKey(waybill_id, track.points, len(track), int(track.time_ns[-1]), digest.hexdigest(), id(graph), params)


@dataclass
class _Pending:
    """A key being matched: its lock, and how many requests hold or wait for it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class MatchCache:
    """Matches by :class:`TripKey`, the least recently used evicted beyond *max_trips* entries or *max_fixes*
    fixes held; a match larger than *max_fixes* on its own is returned but not kept. Thread-safe.

    ``matches`` counts the matches computed, ``hits`` the answers from the cache.
    """

    def __init__(self, max_trips: int = MAX_TRIPS, max_fixes: int = MAX_FIXES) -> None:
        self.max_trips, self.max_fixes = max_trips, max_fixes
        self._entries: OrderedDict[TripKey, MatchResult] = OrderedDict()
        self._pending: dict[TripKey, _Pending] = {}
        self._lock = threading.Lock()
        self.fixes = self.matches = self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: TripKey) -> bool:
        return key in self._entries

    def waiting(self, key: TripKey) -> int:
        """How many requests hold or wait for *key*'s match now."""
        with self._lock:
            pending = self._pending.get(key)
            return pending.users if pending is not None else 0

    def get(self, key: TripKey, match: Callable[[], MatchResult]) -> MatchResult:
        """The match of *key*: the cached one, or ``match()`` (called once however many ask at the same time)."""
        with self._lock:
            found = self._lookup(key)
            if found is not None:
                return found
            pending = self._pending.setdefault(key, _Pending())
            pending.users += 1
        try:
            with pending.lock:
                with self._lock:
                    found = self._lookup(key)  # matched by the request this one waited for
                if found is not None:
                    return found
                result = match()
                with self._lock:
                    self.matches += 1
                    self._keep(key, result)
                return result
        finally:
            with self._lock:
                pending.users -= 1
                if not pending.users:
                    del self._pending[key]

    def clear(self) -> None:
        """Forget every match (and the counts)."""
        with self._lock:
            self._entries.clear()
            self.fixes = self.matches = self.hits = 0

    def _lookup(self, key: TripKey) -> MatchResult | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return found

    def _keep(self, key: TripKey, result: MatchResult) -> None:
        if key.fixes > self.max_fixes:
            return
        for array in (result.edge, result.offset_m, result.distance_m, result.stretch, result.status):
            array.flags.writeable = False  # shared by every request for the trip: no reader may change it
        self._entries[key] = result
        self.fixes += key.fixes
        while len(self._entries) > self.max_trips or self.fixes > self.max_fixes:
            evicted, _ = self._entries.popitem(last=False)
            self.fixes -= evicted.fixes


#: The process's cache.
CACHE = MatchCache()


def trip_match(waybill_id: uuid.UUID, track: Track, graph: MatchGraph, params: MatchParameters) -> MatchResult:
    """The map match of the waybill's stored *track* (from :func:`stored_track`, read by a caller that has checked
    the user may see the waybill), computed once per process while the trip's fixes stay as they are.

    Raises
    ------
    routing.RoutingInputError
        The matcher cannot use the track (every fix off the network); not cached.
    """
    from routing.matching import match_track

    return CACHE.get(trip_key(waybill_id, track, graph, params), lambda: match_track(graph, track, params))
