"""The fast CSV reader (routing.track_csv) reads a clean file as pandas did, and hands any other to pandas.

Every case compares :func:`routing.tracks.read_track` with the general reader (``pandas.read_csv`` then
``track_from_frame``) on the same file: the same fixes, times, speeds, counts and dropped rows.
"""

import numpy as np
import pandas as pd
import pytest

from routing._errors import RoutingInputError
from routing.track_csv import csv_columns, reading_ahead
from routing.tracks import _impossible_jumps, read_track, track_from_frame

T0 = pd.Timestamp("2026-01-01T08:00:00Z")


def rows(n=40, *, zone="+00:00", dt=5):
    """A drive east at about 20 km/h, as CSV lines: time, lon, lat."""
    return [f"{(T0 + pd.Timedelta(seconds=i * dt)).strftime('%Y-%m-%dT%H:%M:%S')}{zone},{121.47 + i * 0.0003!r},31.23"
            for i in range(n)]


def write(tmp_path, lines, header="time,lon,lat"):
    path = tmp_path / "track.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def assert_same_as_pandas(path):
    track = read_track(path)
    general = track_from_frame(pd.read_csv(path, skipinitialspace=True), source=path.name)
    for name in ("lon", "lat", "time_ns"):
        np.testing.assert_array_equal(getattr(track, name), getattr(general, name))
    if general.speed_kph is None:
        assert track.speed_kph is None
    else:
        np.testing.assert_array_equal(track.speed_kph, general.speed_kph)
    assert (track.points, track.dropped) == (general.points, general.dropped)
    return track


def _replace(lines, index, text):
    return lines[:index] + [text] + lines[index + 1:]


CLEAN = {
    "offset +00:00": lambda: rows(),
    "offset +08:00": lambda: rows(zone="+08:00"),
    "Z": lambda: rows(zone="Z"),
    "naive (UTC)": lambda: rows(zone=""),
    "unsorted with a duplicate": lambda: rows()[::-1] + [rows()[3]],
    "out of range and missing coordinates": lambda: _replace(
        _replace(rows(), 4, rows()[4].replace("31.23", "95")), 7, rows()[7].rsplit(",", 1)[0] + ","),
    "NA coordinate": lambda: _replace(rows(), 9, rows()[9].replace("31.23", "NA")),
    "before 2000 and far in the future": lambda: _replace(_replace(rows(), 5, "1999-12-31T23:59:59Z,121.47,31.23"),
                                                          6, "2200-01-01T00:00:00Z,121.47,31.23"),
    "an outlier": lambda: _replace(rows(), 20, rows()[20].replace("31.23", "31.28")),
    "fractions of a second": lambda: [f"2026-01-01T08:00:{i:02d}.{i * 37:03d}Z,{121.47 + i * 0.0001!r},31.23"
                                      for i in range(40)],
}


@pytest.mark.parametrize("case", CLEAN, ids=list(CLEAN))
def test_a_clean_file_is_read_by_arrow_as_pandas_reads_it(tmp_path, case):
    path = write(tmp_path, CLEAN[case]())
    assert csv_columns(path) is not None
    assert_same_as_pandas(path)


def test_speed_column_and_spaces_after_the_commas(tmp_path):
    speeds = [" 20"] * 10 + [""] * 10 + [" 300"] + [" 21"] * 19  # an empty cell is no speed
    lines = [f"{line},{speed}" for line, speed in zip(rows(), speeds)]
    path = write(tmp_path, [line.replace(",", ", ", 1) for line in lines], header="Timestamp, Lng, Lat, speed_kph")
    assert csv_columns(path) is not None
    track = assert_same_as_pandas(path)
    assert {d["reason"] for d in track.dropped} == {"speed out of range"}
    assert np.isnan(track.speed_kph).sum() == 10


UNCLEAN = {
    "epoch seconds": lambda: [f"{1767254400 + 5 * i},{121.47 + i * 0.0003!r},31.23" for i in range(40)],
    "a malformed time": lambda: _replace(rows(), 10, "2026-13-45T08:00:00Z,121.47,31.23"),
    "zoned and naive times": lambda: rows(20) + rows(40, zone="")[20:],
    "text for a coordinate": lambda: _replace(rows(), 3, rows()[3].replace("31.23", "north")),
    "a space before the time": lambda: [" " + line for line in rows()],
    "an empty time": lambda: _replace(rows(), 2, "," + rows()[2].split(",", 1)[1]),
    "None for a coordinate": lambda: _replace(rows(), 2, rows()[2].replace("31.23", "None")),
    "nanoseconds and more": lambda: _replace(rows(), 2, rows()[2].replace("+00:00", ".1234567891Z")),
}


@pytest.mark.parametrize("case", UNCLEAN, ids=list(UNCLEAN))
def test_any_other_file_goes_through_pandas_as_before(tmp_path, case):
    path = write(tmp_path, UNCLEAN[case]())
    assert csv_columns(path) is None
    assert_same_as_pandas(path)


def test_a_header_alone_or_without_lat_is_refused_by_the_general_reader(tmp_path):
    header_only = write(tmp_path, [])
    assert csv_columns(header_only) is None
    with pytest.raises(RoutingInputError, match="no fixes"):
        read_track(header_only)
    no_lat = write(tmp_path, ["2026-01-01T00:00:00Z,121.47"], header="time,lon")
    with pytest.raises(RoutingInputError, match="header must name time, lon and lat"):
        read_track(no_lat)


def test_a_malformed_time_in_row_700000_is_named(tmp_path):
    n = 700_010
    seconds = np.datetime64("2026-01-01T00:00:00") + np.arange(n).astype("timedelta64[s]")
    times = np.char.add(np.datetime_as_string(seconds, unit="s"), "Z").astype(object)
    times[700_000 - 1] = "2026-01-01T25:61:00Z"  # data row 700,000
    lon = 121.47 + (np.arange(n) % 600) * 1e-5  # back and forth at about 1 m/s
    path = tmp_path / "long.csv"
    pd.DataFrame({"time": times, "lon": lon, "lat": 31.23}).to_csv(path, index=False)
    assert csv_columns(path) is None
    track = read_track(path)
    assert track.dropped == [{"reason": "unparseable time", "count": 1, "rows": [700_000]}]
    assert len(track) == n - 1


def _reference_jumps(lon, lat, time_ns, max_speed_kph):
    """The jump filter as it was before issue 18: every pass over every kept fix (tracks.py at 0fb2eac)."""
    keep = np.ones(len(lon), dtype=bool)
    coslat = np.cos(np.radians(np.nanmedian(lat)))
    while True:
        idx = np.flatnonzero(keep)
        a, b = idx[:-1], idx[1:]
        kph = np.hypot((lon[b] - lon[a]) * coslat * 111_320.0, (lat[b] - lat[a]) * 110_574.0) / (
            (time_ns[b] - time_ns[a]) / 1e9) * 3.6
        fast = kph > max_speed_kph
        if not fast.any():
            return ~keep
        segment = np.concatenate(([0], np.cumsum(fast)))
        sizes = np.bincount(segment).astype(float)
        left = np.concatenate(([np.nan], sizes[:-1]))
        right = np.concatenate((sizes[1:], [np.nan]))
        with np.errstate(invalid="ignore"):
            drop = (sizes <= 20) & (sizes <= np.fmin(left, right)) & (sizes < np.fmax(left, right))
        if not drop.any():
            return ~keep
        keep[idx[drop[segment]]] = False


def test_the_jump_filter_by_segments_drops_what_the_pass_over_every_fix_dropped():
    rng = np.random.default_rng(18)
    several_passes = 0
    for _ in range(600):
        n = int(rng.integers(2, 300))
        time_ns = np.cumsum(rng.integers(1, 4, n)).astype(np.int64) * 1_000_000_000
        lon = 121.0 + np.cumsum(rng.normal(0, 1e-4, n))
        lat = 31.0 + np.cumsum(rng.normal(0, 1e-4, n))
        bad = rng.random(n) < rng.random() * 0.4  # bursts and lone outliers, up to 40 % of the fixes
        lon[bad] += rng.normal(0, 0.01, bad.sum())
        expected = _reference_jumps(lon, lat, time_ns, 250.0)
        np.testing.assert_array_equal(_impossible_jumps(lon, lat, time_ns, 250.0), expected)
        several_passes += expected.sum() > bad.sum()
    assert several_passes  # the cases include drops that only a later pass made


def test_a_file_of_many_blocks_with_empty_cells_in_several_is_read_as_pandas_reads_it(tmp_path):
    """Arrow reads a large file in blocks (chunks of each column): the values and the empty cells of every chunk
    land on their rows (the validity bitmaps are read per chunk, at its offset)."""
    n = 150_000  # about 8 MB: several of Arrow's 1 MB blocks
    seconds = np.datetime64("2026-01-01T00:00:00") + np.arange(n).astype("timedelta64[s]")
    lon = (121.47 + (np.arange(n) % 600) * 1e-5).astype(object)
    lon[[5, 70_001, 149_998]] = ""  # in the first, a middle and the last block
    path = tmp_path / "blocks.csv"
    pd.DataFrame({"time": np.char.add(np.datetime_as_string(seconds, unit="s"), "+08:00"), "lon": lon,
                  "lat": 31.23}).to_csv(path, index=False)
    assert csv_columns(path) is not None
    track = assert_same_as_pandas(path)
    assert track.dropped == [{"reason": "missing coordinate", "count": 3, "rows": [6, 70_002, 149_999]}]


@pytest.mark.parametrize("case", ["offset +08:00", "an outlier"])
def test_a_csv_read_ahead_on_a_thread_is_the_track_read_track_reads(tmp_path, case):
    path = write(tmp_path, CLEAN[case]())
    with reading_ahead(path) as clean:
        assert clean is not None
        ahead = read_track(path, clean=clean)
    alone = read_track(path)
    for name in ("lon", "lat", "time_ns"):
        np.testing.assert_array_equal(getattr(ahead, name), getattr(alone, name))
    assert (ahead.points, ahead.dropped) == (alone.points, alone.dropped)


def test_an_unclean_csv_read_ahead_goes_through_pandas_and_no_csv_is_not_read_ahead(tmp_path):
    path = write(tmp_path, UNCLEAN["a malformed time"]())
    with reading_ahead(path) as clean:
        track = read_track(path, clean=clean)
    assert track.dropped == [{"reason": "unparseable time", "count": 1, "rows": [11]}]
    (tmp_path / "t.geojson").write_text("{}", encoding="utf-8")
    (tmp_path / "t.gpx").write_text("<gpx/>", encoding="utf-8")
    for name in ("t.geojson", "t.gpx", "missing.csv"):
        with reading_ahead(tmp_path / name) as clean:
            assert clean is None
