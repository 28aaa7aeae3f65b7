"""Scores of candidate sequences under the map matcher's own model: where a match differs from a known truth
(simulated drives), was the truth the likelier path (a *search* error: the decoder, the outlier rule or a break
missed it) or the less likely one (a *model* error: the fixes and priors favour the wrong road, no decoder helps),
or was the true road not even among the fix's candidates?

The scores are the matcher's own terms (:mod:`routing.matching`): each explained fix's emission, the transition
(network distance, road priors, direction of travel) from the previous explained fix, and, for a fix taken for an
outlier, the cost the outlier rule gives it. Nothing here is used by the matcher itself.

A model error is split further by what the positions alone say (:func:`positions_verdict`): scored by the
emission only, at the receiver's true noise and with its own outliers (:class:`NoiseModel`), are the fixes
likelier from the matched roads than from the driven ones (no matcher that reads positions and weighs the roads
alike can get it), or did the transitions and road priors turn it (a better model could)?
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from routing.match_graph import FloatArray, IntArray
from routing.matching import MatchModel, _outlier_cost, _step

__all__ = ["CANDIDATE_MISSING", "MODEL", "POSITIONS", "PRIORS", "SEARCH", "NoiseModel", "Window", "compare_paths",
           "path_score", "positions_verdict", "road_distances", "states_on"]

#: Verdicts of :func:`compare_paths`.
CANDIDATE_MISSING, SEARCH, MODEL = "candidate missing", "search", "model"
#: Verdicts of :func:`positions_verdict` (a model error split).
POSITIONS, PRIORS = "positions", "priors"
_TIE = 1e-6  # log units: scores this close are equal (the match stands)


def states_on(model: MatchModel, edges: IntArray) -> IntArray:
    """Per fix of the model, the row (in ``model.cands``) of its candidate on ``edges[i]`` (the fix's projection on
    that edge), -1 where that edge is not among its candidates or ``edges[i]`` is -1."""
    cands = model.cands
    states = np.full(len(edges), -1, dtype=np.intp)
    for i, edge in enumerate(np.asarray(edges).tolist()):
        own = cands.of(i)
        hit = np.flatnonzero(cands.edge[own] == edge) if edge >= 0 else ()
        if len(hit):
            states[i] = own.start + int(hit[0])
    return states


def path_score(model: MatchModel, states: IntArray, first: int, last: int,
               starts: frozenset[int] = frozenset()) -> float:
    """Log score of a sequence of candidates of fixes ``first``..``last`` (model fixes) under the model.

    ``states[i]``: a candidate row of fix ``i``, or -1 for a fix taken for an outlier (it costs the outlier
    rule's cost; a fix without candidates costs nothing, the matcher never sees it). Each candidate adds its
    emission and the transition from the previous fix's candidate, except at a fix in ``starts`` (a new
    stretch: the matcher breaks there and starts afresh). -inf where a transition is impossible."""
    cands = model.cands
    total, previous = 0.0, -1
    for fix in range(first, last + 1):
        own = cands.of(fix)
        if own.stop == own.start:
            continue
        state = int(states[fix])
        if state < 0:
            total += _outlier_cost(cands, fix, model.params, model.sigma, model.radius)
            continue
        total += float(model.emission[state])
        if previous >= 0 and fix not in starts:
            log_t = _step(model.graph, cands, model.x, model.y, model.t_s, previous, fix, model.params,
                          model.sigma, model.radius)
            total += float(log_t[int(states[previous]) - cands.ptr[previous], state - own.start])
        previous = fix
    return total


@dataclass(frozen=True)
class Window:
    """A run of fixes where the match and the truth differ (``run``), between the fixes on either side where they
    agree (``first``, ``last``: the run's own ends at the track's ends), with both scores and the verdict."""

    first: int
    last: int
    run: range  # the fixes that differ
    verdict: str
    truth: float
    matched: float
    skipped: bool  # the match took a fix for an outlier that the truth explains


def compare_paths(model: MatchModel, truth: IntArray, matched: IntArray, truth_outlier: npt.NDArray[np.bool_],
                  starts: frozenset[int] = frozenset()) -> list[Window]:
    """The windows where a match differs from the truth, each with its verdict.

    ``truth``/``matched``: candidate rows per model fix (:func:`states_on`), -1 where the true edge is no
    candidate / the match skipped the fix; ``truth_outlier`` marks fixes the truth takes for outliers (simulated
    outliers: no road explains them, but one the match explained on its true edge is no difference); ``starts``:
    the fixes where the match began a new stretch. A window's verdict: ``candidate missing`` where a fix of it that
    is no outlier has no candidate on its true edge, else ``search`` where the truth scores higher than the match
    over the window, else ``model``."""
    usable = np.flatnonzero(np.diff(model.cands.ptr) > 0)
    # An outlier is skipped, unless the match explained it on its true road (as near as the noise put it).
    truth = np.where(truth_outlier & (matched != truth), -1, truth)
    agree = (truth[usable] == matched[usable]) & ((truth[usable] >= 0) | truth_outlier[usable])
    windows = []
    k = 0
    while k < len(usable):
        if agree[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(usable) and not agree[end + 1]:
            end += 1
        run = usable[k:end + 1]
        first = int(usable[max(k - 1, 0)])
        last = int(usable[min(end + 1, len(usable) - 1)])
        skipped = bool(((matched[run] < 0) & (truth[run] >= 0)).any())
        span = range(int(run[0]), int(run[-1]) + 1)
        if ((truth[run] < 0) & ~truth_outlier[run]).any():
            windows.append(Window(first, last, span, CANDIDATE_MISSING, -np.inf, np.nan, skipped))
        else:
            t = path_score(model, truth, first, last)
            m = path_score(model, matched, first, last, starts)
            windows.append(Window(first, last, span, SEARCH if t > m + _TIE else MODEL, t, m, skipped))
        k = end + 1
    return windows


@dataclass(frozen=True)
class NoiseModel:
    """How a receiver's fixes scatter about the point driven: Gaussian noise of ``sigma_m`` per axis and, with
    probability ``outlier_share``, a throw of a distance drawn uniformly from ``outlier_m`` in a random direction
    on top (the simulated receiver of ``bench/bench_matching.py``)."""

    sigma_m: float
    outlier_share: float = 0.0
    outlier_m: tuple[float, float] = (100.0, 300.0)

    def log_density(self, distance: FloatArray) -> FloatArray:
        """Log density (per m²) of a fix ``distance`` metres from the point it was emitted from."""
        from scipy.special import ndtr  # only the diagnosis and the tests score positions

        d = np.maximum(np.asarray(distance, dtype=float), 1e-6)
        s = self.sigma_m
        gauss = np.log1p(-self.outlier_share) - np.log(2.0 * np.pi * s * s) - 0.5 * (d / s) ** 2
        if self.outlier_share <= 0:
            return gauss
        lo, hi = self.outlier_m
        radial = (ndtr((d - lo) / s) - ndtr((d - hi) / s)) / (hi - lo)  # the throw's distance, blurred by the noise
        with np.errstate(divide="ignore"):
            ring = np.log(self.outlier_share) + np.log(radial) - np.log(2.0 * np.pi * d)
        return np.logaddexp(gauss, ring)


def road_distances(model: MatchModel, edges: IntArray) -> FloatArray:
    """Per fix of the model, its distance to edge ``edges[i]`` (the fix's emission from its nearest point)."""
    geoms = model.graph.geoms[np.asarray(edges)]
    return np.asarray(shapely.distance(geoms, shapely.points(model.x, model.y)), dtype=float)


def positions_verdict(noise: NoiseModel, truth_m: FloatArray, matched_m: FloatArray) -> str:
    """What the positions alone say of a run of fixes the match got wrong, given each fix's distance to its true
    road (``truth_m``) and to its matched road (``matched_m``): ``positions`` where the fixes are likelier emitted
    from the matched roads than from the true ones (a matcher reading only the positions, the roads weighed alike,
    takes the wrong road too), else ``priors`` (the transitions and the road priors turned it; a tie, such as the
    other direction of the same street, is theirs to break)."""
    truth = float(noise.log_density(truth_m).sum())
    matched = float(noise.log_density(matched_m).sum())
    return POSITIONS if matched > truth + _TIE else PRIORS
