"""Fixed-lag map matching: the hidden Markov model of :mod:`routing.matching`, fed one batch of fixes at a time.

A live check cannot wait for the end of the trip to match it, nor re-match the whole trip at every upload. The
:class:`FixedLagMatcher` keeps what the Viterbi recursion needs between batches (the scores of the last matched
fix's candidates, and the fixes whose best path may still change, with their candidates and back pointers) and
reports a fix once its match is *final*:

* by **convergence**: every path still possible through the newest fix's candidates passes through the same
  candidate of that fix. No later fix can change it, so it is exactly what :func:`routing.matching.match_track`
  chooses for the whole track (with the same, fixed, ``sigma_m``);
* by **lag**: the fix is ``lag_fixes`` fixes or ``lag_s`` seconds older than the newest one. Its best candidate
  by the scores so far is then fixed, and the paths that do not pass through it are dropped (the fixed-lag
  smoother's approximation: only then may the answer differ from the whole track's);
* a fix off the network (no road within the radius) is final at once; a fix repeating the previous position
  exactly (*stale*) takes the match of the fix it repeats; fixes the model skips as outliers (up to ``max_skip``
  in a row before a new stretch begins, as :func:`~routing.matching.match_track` does) are final when the next
  fix joins the stretch or the stretch is closed.

Final fixes are reported in the order they came, each with an opaque ``data`` value the caller gave with it (the
live checks pass the facts they computed for the fix when it arrived). :meth:`FixedLagMatcher.state` is small and
JSON-able (a few dozen fixes with at most ``max_candidates`` candidates each): the trip's monitoring state in the
database carries it from one upload to the next, in whichever process takes the next upload. Candidates refer to
edges by position in the network's edge table, so a state is only taken up with the same network
(:attr:`FixedLagMatcher.edges`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from routing._errors import RoutingInputError
from routing.match_graph import MatchGraph
from routing.matching import (
    MATCHED, OFF_NETWORK, OUTLIER, STALE, MatchParameters, Travel, _Candidates, _candidates, _transitions, travel,
)
from routing.projection import to_metric

#: Default lag: a fix is final at the latest this many fixes or seconds after it.
LAG_FIXES = 30
LAG_S = 300.0
_MEMBER, _WAITING, _OUTLIER, _OFF, _STALE = "m", "w", "o", "n", "s"
_NO = float("-inf")
_CHUNK = 64  # fixes whose transitions are computed together (one Dijkstra call)


@dataclass(frozen=True)
class FinalFix:
    """A fix whose match no later fix changes (statuses as :attr:`routing.matching.MatchResult.status`)."""

    time_ns: int
    lon: float
    lat: float
    status: str
    edge: int
    offset_m: float
    distance_m: float
    stretch: int
    data: Any = None


@dataclass
class _Fix:
    """A fix not yet reported: its kind (member of the stretch, waiting to join it, outlier, off the network,
    stale), its candidates ``[edge, offset, distance]``, back pointers to the previous member's candidates
    (``None`` for a stretch's first member) and, once decided, the candidate chosen."""

    t: int
    lon: float
    lat: float
    x: float
    y: float
    kind: str
    cand: list[list[float]] = field(default_factory=list)
    back: list[int] | None = None
    pick: int | None = None
    stretch: int = -1
    data: Any = None

    def to_json(self) -> list[Any]:
        return [self.t, self.lon, self.lat, self.x, self.y, self.kind, self.cand, self.back, self.pick,
                self.stretch, self.data]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> _Fix:
        return cls(*row)

    @property
    def decided(self) -> bool:
        return self.kind in (_OUTLIER, _OFF, _STALE) or (self.kind == _MEMBER and self.pick is not None)


class FixedLagMatcher:
    """Map-match a track batch by batch; see the module's note.

    Parameters
    ----------
    graph : MatchGraph
        From :func:`routing.matching.prepare_matching`.
    params : MatchParameters
        ``sigma_m`` is required (the whole-track estimate needs the whole track).
    state : dict, optional
        :meth:`state` of the previous batch; ``None`` for a new track.
    lag_fixes, lag_s : int, float
        The lag after which a fix is final whatever the later fixes say.
    """

    def __init__(self, graph: MatchGraph, params: MatchParameters, state: dict[str, Any] | None = None, *,
                 lag_fixes: int = LAG_FIXES, lag_s: float = LAG_S):
        self.params = params.validated()
        if self.params.sigma_m is None:
            raise RoutingInputError("fixed-lag matching needs the GPS noise sigma_m")
        if lag_fixes < 1 or lag_s <= 0:
            raise RoutingInputError("the lag must be at least one fix and positive seconds")
        self.graph, self.lag_fixes, self.lag_s = graph, lag_fixes, float(lag_s)
        self.sigma = float(self.params.sigma_m)
        radius = self.params.radius_m
        self.radius = radius if radius is not None else min(200.0, max(50.0, 4.0 * self.sigma))  # as match_track
        state = state or {}
        if state and state.get("edges") != self.edges:
            raise RoutingInputError("the matcher state was made on another road network")
        self.pending = [_Fix.from_json(row) for row in state.get("pending", [])]
        self.last = _Fix.from_json(state["last"]) if state.get("last") else None  # the stretch's newest member
        self.delta = [(_NO if v is None else v) for v in state["delta"]] if state.get("delta") else None
        self.stretch = int(state.get("stretch", -1))
        self.previous = state.get("previous")  # [lon, lat] of the fix before: a repeat of it is stale
        self.source: list[Any] | None = state.get("source")  # the latest fresh fix reported: what a stale repeats
        # Fresh fixes [time_ns, x, y] of the last travel_window_s seconds: what the direction of travel is fitted on.
        self.recent: list[list[float]] = state.get("recent", [])
        self._steps: dict[tuple[int, int], npt.NDArray[np.float64]] = {}  # this batch's, by (fix, fix) identity

    @property
    def edges(self) -> int:
        """The size of the network's edge table, which the state's edge positions refer to."""
        return len(self.graph.length)

    def state(self) -> dict[str, Any]:
        """What the next batch needs, JSON-able (no NaN or infinity)."""
        return {"edges": self.edges, "pending": [f.to_json() for f in self.pending],
                "last": self.last.to_json() if self.last else None,
                "delta": None if self.delta is None else [None if v == _NO else v for v in self.delta],
                "stretch": self.stretch, "previous": self.previous, "source": self.source, "recent": self.recent}

    def feed(self, time_ns: npt.ArrayLike, lon: npt.ArrayLike, lat: npt.ArrayLike,
             data: Sequence[Any] | None = None) -> list[FinalFix]:
        """Match the next fixes (in time order, after those fed before); the fixes that became final."""
        time_ns = np.asarray(time_ns, dtype=np.int64)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        x, y = to_metric(lon, lat, self.graph.network.crs)
        prev = self.previous
        stale = np.zeros(len(lon), dtype=bool)
        for i in range(len(lon)):  # one comparison per fix: a repeat of the fix just before
            stale[i] = prev is not None and lon[i] == prev[0] and lat[i] == prev[1]
            prev = [float(lon[i]), float(lat[i])]
        self.previous = prev
        fresh = np.flatnonzero(~stale)
        cands = _candidates(self.graph, shapely.points(x[fresh], y[fresh]), self.radius, self.params.max_candidates)
        rows = {int(f): [[int(cands.edge[j]), float(cands.offset[j]), float(cands.distance[j])]
                         for j in range(cands.ptr[k], cands.ptr[k + 1])] for k, f in enumerate(fresh)}
        batch = [_Fix(t=int(time_ns[i]), lon=float(lon[i]), lat=float(lat[i]), x=float(x[i]), y=float(y[i]),
                      kind=_STALE if stale[i] else _OFF, cand=rows.get(i, []), data=None if data is None else data[i])
                 for i in range(len(lon))]
        self.recent += [[int(time_ns[i]), float(x[i]), float(y[i])] for i in fresh]
        self._steps = self._chain(batch)
        out: list[FinalFix] = []
        for fix in batch:
            self.pending.append(fix)
            if fix.cand:
                self._step(fix)
            self._settle(fix.t)
            out += self._report()
        self._steps = {}
        if self.params.travel_window_s <= 0:
            self.recent = []
        elif self.recent:
            newest = self.recent[-1][0]
            self.recent = [r for r in self.recent if r[0] >= newest - self.params.travel_window_s * 1e9]
        return out

    def flush(self) -> list[FinalFix]:
        """The end of the track: every fix still pending is final (as :func:`~routing.matching.match_track`
        ends a track)."""
        while self._waiting():
            self._close()
        if self.delta is not None:
            self._close()
        return self._report()

    # -- the Viterbi recursion, one fix at a time --------------------------------------------------------------

    def _waiting(self) -> list[_Fix]:
        return [f for f in self.pending if f.kind == _WAITING]

    def _emission(self, fix: _Fix) -> list[float]:
        return [-0.5 * (c[2] / self.sigma) ** 2 for c in fix.cand]

    def _start(self, fix: _Fix) -> None:
        self.stretch += 1
        fix.kind, fix.back, fix.stretch = _MEMBER, None, self.stretch
        emission = self._emission(fix)
        self.last, self.delta = fix, [e - max(emission) for e in emission]
        self._converge()

    def _chain(self, batch: list[_Fix]) -> dict[tuple[int, int], npt.NDArray[np.float64]]:
        """The transitions between consecutive fixes with candidates (from the stretch's newest member on), a
        chunk of fixes per call as :func:`~routing.matching.match_track` computes them: most steps are these."""
        chain = ([self.last] if self.last is not None else []) + [f for f in batch if f.cand]
        steps = {}
        for start in range(0, len(chain) - 1, _CHUNK):
            part = chain[start:start + _CHUNK + 1]
            mats = self._transitions(part, np.arange(len(part) - 1), np.arange(1, len(part)))
            steps.update({(id(a), id(b)): m for a, b, m in zip(part[:-1], part[1:], mats)})
        return steps

    def _transitions(self, fixes: list[_Fix], a: npt.NDArray[np.intp],
                     b: npt.NDArray[np.intp]) -> list[npt.NDArray[np.float64]]:
        """Log transition matrices between fixes ``a[i]`` and ``b[i]`` of *fixes*."""
        both = [c for f in fixes for c in f.cand]
        cands = _Candidates(edge=np.array([int(c[0]) for c in both], dtype=np.intp),
                            offset=np.array([c[1] for c in both]), distance=np.array([c[2] for c in both]),
                            ptr=np.cumsum([0] + [len(f.cand) for f in fixes]))
        t_s = np.array([(f.t - fixes[0].t) / 1e9 for f in fixes])
        return _transitions(self.graph, cands, np.array([f.x for f in fixes]), np.array([f.y for f in fixes]), t_s,
                            a, b, self.params, self.sigma, self.radius, self._travel(fixes, a, b))

    def _travel(self, fixes: list[_Fix], a: npt.NDArray[np.intp], b: npt.NDArray[np.intp]) -> Travel | None:
        """The displacements between fixes ``a[i]`` and ``b[i]`` fitted on the recent fixes, as
        :func:`~routing.matching.match_track` fits them on the track's (see :func:`routing.matching.travel`)."""
        if self.params.travel_window_s <= 0:
            return None
        known = {int(r[0]): (r[1], r[2]) for r in self.recent}
        for f in fixes:  # a stretch's newest member may be older than the window
            known.setdefault(f.t, (f.x, f.y))
        times = np.array(sorted(known), dtype=np.int64)
        xy = np.array([known[int(t)] for t in times], dtype=float)
        where = np.searchsorted(times, [f.t for f in fixes])
        return travel((times - times[0]) / 1e9, xy[:, 0], xy[:, 1], where[a], where[b],
                      self.params.travel_window_s, self.sigma)

    def _score(self, target: _Fix) -> tuple[list[int], list[float]] | None:
        """Back pointers and scores of a step from the stretch's newest member to *target*, or None when no
        candidate of it can be reached."""
        last = self.last
        assert last is not None and self.delta is not None
        log_t = self._steps.get((id(last), id(target)))
        if log_t is None:  # past an outlier, or from a new stretch's first fix: on its own
            log_t = self._transitions([last, target], np.array([0]), np.array([1]))[0]
        total = np.asarray(self.delta)[:, None] + log_t
        back = np.argmax(total, axis=0)
        score = total[back, np.arange(total.shape[1])]
        if not np.isfinite(score).any():
            return None
        return back.tolist(), score.tolist()

    def _step(self, fix: _Fix) -> None:
        """One fix with candidates: start a stretch, join it (past outliers), or wait (see match_track)."""
        if self.delta is None:
            self._start(fix)
            return
        step = self._score(fix)
        if step is None:
            fix.kind = _WAITING
            if len(self._waiting()) > self.params.max_skip:  # no way on past max_skip outliers: a new stretch
                self._close()
            return
        for waiting in self._waiting():
            waiting.kind = _OUTLIER
        back, score = step
        emission = self._emission(fix)
        top = max(s + e for s, e in zip(score, emission) if s != _NO)
        fix.kind, fix.back, fix.stretch = _MEMBER, back, self.stretch
        self.last = fix
        self.delta = [s + e - top if s != _NO else _NO for s, e in zip(score, emission)]
        self._converge()

    def _members(self) -> list[_Fix]:
        """The current stretch's members not yet decided, oldest first."""
        return [f for f in self.pending if f.kind == _MEMBER and f.pick is None and f.stretch == self.stretch]

    def _converge(self) -> None:
        """Decide the members through which every surviving path passes."""
        members = self._members()
        assert self.delta is not None
        alive = {i for i, v in enumerate(self.delta) if v != _NO}
        for k in range(len(members) - 1, -1, -1):
            if len(alive) == 1:
                self._decide(members[:k + 1], alive.pop())
                return
            back = members[k].back
            if back is None:
                return
            alive = {back[i] for i in alive}

    def _decide(self, members: list[_Fix], pick: int) -> None:
        """Fix the last of *members* on candidate *pick* and the earlier ones on its back pointers."""
        for fix in reversed(members):
            fix.pick = pick
            if fix.back is not None:
                pick = fix.back[pick]

    def _settle(self, now_ns: int) -> None:
        """Decide the members older than the lag on the best path so far; drop the paths avoiding them."""
        while True:
            members = self._members()
            if not members:
                return
            oldest = members[0]
            after = sum(1 for f in self.pending if f.t > oldest.t)
            if after < self.lag_fixes and (now_ns - oldest.t) / 1e9 < self.lag_s:
                return
            assert self.delta is not None
            picks = self._backtrack(members, int(np.argmax(self.delta)))
            keep = picks[0]
            for i, value in enumerate(self.delta):
                if value != _NO and self._backtrack(members, i)[0] != keep:
                    self.delta[i] = _NO
            oldest.pick = keep
            self._converge()

    @staticmethod
    def _backtrack(members: list[_Fix], pick: int) -> list[int]:
        picks = [pick]
        for fix in reversed(members[1:]):
            assert fix.back is not None
            picks.append(fix.back[picks[-1]])
        return picks[::-1]

    def _close(self) -> None:
        """End the stretch on its best path; the fixes waiting to join it begin the next one."""
        if self.delta is not None:
            members = self._members()
            if members:
                self._decide(members, int(np.argmax(self.delta)))
        self.delta, self.last = None, None
        waiting = self._waiting()
        for fix in waiting:
            fix.kind = _OFF  # undecided again: fed anew below
        for fix in waiting:
            self._step(fix)

    # -- reporting ------------------------------------------------------------------------------------------

    def _report(self) -> list[FinalFix]:
        """Pop the decided fixes at the front of the queue."""
        out = []
        while self.pending and self.pending[0].decided:
            out.append(self._final(self.pending.pop(0)))
        return out

    def _final(self, fix: _Fix) -> FinalFix:
        if fix.kind == _STALE:
            status, edge, offset, distance, stretch = self.source or (OFF_NETWORK, -1, None, None, -1)
            status = STALE if status in (MATCHED, STALE) else status
        elif fix.kind == _MEMBER:
            assert fix.pick is not None
            edge, offset, distance = fix.cand[fix.pick]
            status, edge, stretch = MATCHED, int(edge), fix.stretch
        else:
            status = OUTLIER if fix.kind == _OUTLIER else OFF_NETWORK
            edge, offset, distance, stretch = -1, np.nan, np.nan, -1
        if fix.kind != _STALE:
            self.source = [status, edge, None if edge < 0 else offset, None if edge < 0 else distance, stretch]
        return FinalFix(time_ns=fix.t, lon=fix.lon, lat=fix.lat, status=status, edge=int(edge),
                        offset_m=np.nan if offset is None else float(offset),
                        distance_m=np.nan if distance is None else float(distance), stretch=int(stretch),
                        data=fix.data)
