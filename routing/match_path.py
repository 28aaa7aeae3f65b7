"""The path a map-matched stretch drove: the matched points joined along their edges or by shortest paths, with
the times each edge was entered and left, interpolated by distance between the fixes (see :mod:`routing.matching`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from routing.match_graph import FloatArray, IntArray, MatchGraph, shortest_node_paths

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


@dataclass
class PathPiece:
    """A part of one edge driven in a stretch: ``from_m``–``to_m`` metres along it, entered and left at
    ``enter_ns``/``exit_ns`` (interpolated between the fixes by distance)."""

    edge: int
    from_m: float
    to_m: float
    enter_ns: int = 0
    exit_ns: int = 0


@dataclass
class Stretch:
    """A run of fixes matched as one continuous drive.

    Attributes
    ----------
    first, last : int
        Indexes of its first and last fix in the track.
    pieces : list of PathPiece
        The driven path, in order, gaps between fixes bridged.
    confidence : float
        Mean over its fixes of the chosen candidate's share of the Viterbi probability at that fix (1: no
        alternative came close; near 1/k: k alternatives were as likely).
    """

    first: int
    last: int
    pieces: list[PathPiece] = field(default_factory=list)
    confidence: float = 1.0

    @property
    def length_m(self) -> float:
        """Length of the driven path."""
        return float(sum(p.to_m - p.from_m for p in self.pieces))


def driven_path(graph: MatchGraph, edges: IntArray, offsets: FloatArray, time_ns: npt.NDArray[np.int64],
                noise: float, costs: csr_matrix | None = None, costs_gap_s: float = 0.0) -> list[PathPiece]:
    """The driven path through the matched points, gaps filled by shortest paths, with interpolated times.

    Consecutive points on one edge are joined along it (a step back within ``noise`` is GPS noise: the vehicle
    stays where it was); any other pair by the shortest path from the first edge's end to the second's start,
    as the transition measured it: between fixes at least ``costs_gap_s`` apart the cheapest by ``costs`` (from
    :func:`routing.match_graph.path_costs`), when given."""
    along_edge = (edges[1:] == edges[:-1]) & (offsets[1:] >= offsets[:-1] - noise)
    gaps = np.flatnonzero(~along_edge) + 1
    sparse = np.diff(time_ns)[gaps - 1] >= costs_gap_s * 1e9 if costs is not None else np.zeros(len(gaps), bool)
    fillers: dict[int, list[int]] = {}
    for part, weights in ((gaps[~sparse], None), (gaps[sparse], costs)):
        fillers.update(zip(part.tolist(), shortest_node_paths(
            graph, [(int(graph.edge_v[edges[k - 1]]), int(graph.edge_u[edges[k]])) for k in part.tolist()], weights)))
    pieces = [PathPiece(int(edges[0]), float(offsets[0]), float(offsets[0]))]
    along = [0.0]  # each fix's distance along the path
    total = 0.0
    for k in range(1, len(edges)):
        current = pieces[-1]
        e, s = int(edges[k]), float(offsets[k])
        if k not in fillers:
            total += max(s - current.to_m, 0.0)
            current.to_m = max(s, current.to_m)
        else:
            total += graph.length[current.edge] - current.to_m
            current.to_m = float(graph.length[current.edge])
            nodes = fillers[k]
            for a, b in zip(nodes[:-1], nodes[1:]):
                middle = graph.best_edge[(a, b)]
                pieces.append(PathPiece(middle, 0.0, float(graph.length[middle])))
                total += graph.length[middle]
            pieces.append(PathPiece(e, 0.0, s))
            total += s
        along.append(total)
    _times(pieces, np.array(along), time_ns)
    return pieces


def _times(pieces: list[PathPiece], along: FloatArray, time_ns: npt.NDArray[np.int64]) -> None:
    """Entry and exit times of the pieces, interpolated linearly in distance between the fixes."""
    lengths = np.array([p.to_m - p.from_m for p in pieces])
    ends = np.cumsum(lengths)
    starts = ends - lengths
    t = time_ns.astype(float)
    enter = np.interp(starts, along, t)
    leave = np.interp(ends, along, t)
    for piece, a, b in zip(pieces, enter.tolist(), leave.tolist()):
        piece.enter_ns, piece.exit_ns = int(round(a)), int(round(b))
