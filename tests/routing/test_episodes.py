import numpy as np

from routing.episodes import bridge_short_gaps, fill_runs, hysteresis, persistent_runs, runs

B = lambda s: np.array([c == "1" for c in s])  # noqa: E731


def test_runs():
    starts, ends = runs(B("0110011101"))
    assert starts.tolist() == [1, 5, 9] and ends.tolist() == [3, 8, 10]
    assert [len(a) for a in runs(B("000"))] == [0, 0]


def test_fill_runs():
    assert fill_runs(B("00000"), np.array([1]), np.array([3])).tolist() == B("01100").tolist()


def test_hysteresis_holds_between_thresholds():
    enter = B("0010000100")
    leave = B("1000011001")
    assert hysteresis(enter, leave).tolist() == B("0011100110").tolist()


def test_bridge_short_gaps_only_between_runs():
    state = B("0110110001100")
    assert bridge_short_gaps(state, 2).tolist() == B("0111110001100").tolist()
    assert bridge_short_gaps(state, 4).tolist() == B("0111111111100").tolist()


def test_persistent_runs_need_points_and_seconds():
    state = B("0111011110")
    t = np.arange(10) * 10.0
    starts, ends = persistent_runs(state, t, min_points=3, min_seconds=25)
    assert starts.tolist() == [5] and ends.tolist() == [9]
    starts, _ = persistent_runs(state, t, min_points=3, min_seconds=20)
    assert starts.tolist() == [1, 5]


def test_runs_are_those_of_the_padded_differences_on_random_states():
    """The changes of state bound the runs: the same runs as the +1/-1 steps of the states padded with False."""
    rng = np.random.default_rng(18)
    masks = [rng.random(n) < p for n in (0, 1, 2, 3, 50, 1001) for p in (0.0, 0.1, 0.5, 0.9, 1.0)]
    for mask in masks:
        edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
        starts, ends = runs(mask)
        assert starts.tolist() == np.flatnonzero(edges == 1).tolist()
        assert ends.tolist() == np.flatnonzero(edges == -1).tolist()
        assert starts.dtype == ends.dtype == np.intp
