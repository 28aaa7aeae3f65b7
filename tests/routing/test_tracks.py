import json

import numpy as np
import pandas as pd
import pytest

from routing._errors import RoutingInputError
from routing.projection import wgs84_to_gcj02
from routing.tracks import read_track, track_from_frame

T0 = pd.Timestamp("2026-01-01T08:00:00Z")


def frame(n=20, dt=5, step_deg=0.0003, **columns):
    """A straight eastward drive at about 20 km/h (0.0003° ≈ 28.5 m every 5 s)."""
    times = [(T0 + pd.Timedelta(seconds=i * dt)).isoformat() for i in range(n)]
    data = {"time": times, "lon": 121.47 + np.arange(n) * step_deg, "lat": np.full(n, 31.23)}
    data.update(columns)
    return pd.DataFrame(data)


def write_csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unsorted_rows_are_sorted_and_duplicates_reported():
    df = frame()
    shuffled = pd.concat([df.iloc[::-1], df.iloc[[3]]], ignore_index=True)
    track = track_from_frame(shuffled)
    assert len(track) == 20 and track.points == 21
    assert np.all(np.diff(track.time_ns) > 0)
    assert track.dropped == [{"reason": "duplicate time", "count": 1, "rows": [21]}]


def test_invalid_rows_are_dropped_with_reasons_when_enough_remain():
    df = frame().astype({"lon": object, "lat": object})
    df.loc[2, "lon"] = "east"
    df.loc[4, "lat"] = np.nan
    df.loc[6, "lat"] = 95.0
    df.loc[8, "time"] = "yesterday"
    track = track_from_frame(df)
    reasons = {d["reason"]: d["rows"] for d in track.dropped}
    assert reasons == {"non-numeric coordinate": [3], "missing coordinate": [5],
                       "coordinate out of range": [7], "unparseable time": [9]}
    assert len(track) == 16


def test_single_outlier_jump_is_dropped_and_reported():
    df = frame()
    df.loc[10, "lon"] += 0.05  # about 4.8 km away and back within 10 s
    track = track_from_frame(df)
    assert track.dropped == [{"reason": "impossible jump (over 250 km/h)", "count": 1, "rows": [11]}]
    assert len(track) == 19


def test_cluster_of_bad_fixes_is_peeled_off():
    df = frame(n=30)
    df.loc[10:12, "lat"] += 0.05  # three fixes 5.5 km north
    track = track_from_frame(df)
    assert track.dropped[0]["count"] == 3 and track.dropped[0]["rows"] == [11, 12, 13]


def test_jump_at_the_start_drops_the_odd_first_fix():
    df = frame()
    df.loc[0, "lat"] -= 0.05
    track = track_from_frame(df)
    assert track.dropped[0]["rows"] == [1] and len(track) == 19


def test_a_plausible_offset_is_kept():
    df = frame()
    df.loc[10, "lat"] += 0.002  # 220 m in 5 s is 160 km/h: implausible but possible, left to the checks
    assert len(track_from_frame(df)) == 20


def test_epoch_seconds_and_milliseconds_and_naive_iso_times():
    seconds = track_from_frame(frame().assign(time=T0.timestamp() + np.arange(20) * 5))
    millis = track_from_frame(frame().assign(time=(T0.timestamp() + np.arange(20) * 5) * 1000))
    stamps = [T0 + pd.Timedelta(seconds=5 * i) for i in range(20)]
    naive = track_from_frame(frame().assign(time=[t.strftime("%Y-%m-%d %H:%M:%S") for t in stamps]))
    local = [t.tz_convert("Asia/Shanghai").isoformat() for t in stamps]
    offset = track_from_frame(frame().assign(time=local))
    for track in (millis, naive, offset):
        np.testing.assert_array_equal(track.time_ns, seconds.time_ns)
    assert seconds.time_ns[0] == T0.value


def test_header_aliases_and_speed(tmp_path):
    path = write_csv(tmp_path, "Timestamp,Longitude,Latitude,Speed\n"
                     "2026-01-01T08:00:00Z,121.47,31.23,30\n2026-01-01T08:00:05Z,121.4703,31.23,31\n")
    track = read_track(path)
    assert track.speed_kph.tolist() == [30.0, 31.0] and len(track) == 2


def test_gcj02_flag_converts_coordinates():
    df = frame()
    g_lon, g_lat = wgs84_to_gcj02(df["lon"].to_numpy(), df["lat"].to_numpy())
    track = track_from_frame(df.assign(lon=g_lon, lat=g_lat), gcj02=True)
    np.testing.assert_allclose(track.lon, df["lon"], atol=1e-7)
    assert not np.allclose(track_from_frame(df.assign(lon=g_lon, lat=g_lat)).lon, df["lon"], atol=1e-4)


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty file"),
    ("time,lon,lat\n", "no fixes"),
    ("2026-01-01T08:00:00Z,121.47,31.23\n2026-01-01T08:00:05Z,121.48,31.23\n", "header must name"),
    ("time,lon,lat\n2026-01-01T08:00:00Z,abc,31.23\n2026-01-01T08:00:05Z,def,31.23\n",
     "non-numeric coordinate"),
    ("time,lon,lat\n2026-01-01T08:00:00Z,191,31.23\n2026-01-01T08:00:05Z,191,31.23\n", "out of range"),
    ("time,lon,lat\n2026-01-01T08:00:00Z,NaN,31.23\n2026-01-01T08:00:05Z,nan,31.23\n", "missing coordinate"),
    ("time,lon,lat\nmonday,121.47,31.23\ntuesday,121.48,31.23\n", "unparseable time"),
    ("time,lon,lat\n2026-01-01T08:00:00Z,121.47,31.23\n", "too few valid fixes"),
])
def test_bad_csv_tracks(tmp_path, text, message):
    with pytest.raises(RoutingInputError, match=message) as info:
        read_track(write_csv(tmp_path, text))
    assert "\n" not in str(info.value)


def test_geojson_track(tmp_path):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.47 + i * 3e-4, 31.23]},
                 "properties": {"time": (T0 + pd.Timedelta(seconds=5 * i)).isoformat()}} for i in range(5)]
    features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                     "properties": {"time": "2026-01-01T09:00:00Z"}})
    path = tmp_path / "t.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    track = read_track(path)
    assert len(track) == 5 and track.dropped[0]["rows"] == [6]
    path.write_text(json.dumps({"type": "Point", "coordinates": [1, 2]}), encoding="utf-8")
    with pytest.raises(RoutingInputError, match="FeatureCollection"):
        read_track(path)


def test_gpx_track(tmp_path):
    points = "".join(f'<trkpt lat="31.23" lon="{121.47 + i * 3e-4:.4f}">'
                     f"<time>2026-01-01T08:00:{5 * i:02d}Z</time></trkpt>" for i in range(4))
    path = tmp_path / "t.gpx"
    header = ('<?xml version="1.0"?>'
              '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">')
    path.write_text(f"{header}<trk><trkseg>{points}</trkseg></trk></gpx>", encoding="utf-8")
    track = read_track(path)
    assert len(track) == 4 and track.time_ns[1] - track.time_ns[0] == 5_000_000_000
    path.write_text("<gpx><trk>", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="not GPX"):
        read_track(path)


def test_missing_track_file(tmp_path):
    with pytest.raises(RoutingInputError, match="not found"):
        read_track(tmp_path / "none.csv")


def test_gps_noise_at_1_hz_never_drops_long_stretches():
    # 10 m noise at 1 Hz sometimes implies over 250 km/h between two fixes; only short bursts may go.
    n = 20_000
    rng = np.random.default_rng(3)
    df = frame(n=n, dt=1, step_deg=0.0001)
    df["lon"] += rng.normal(0, 10 / 95_000, n)
    df["lat"] += rng.normal(0, 10 / 110_800, n)
    track = track_from_frame(df)
    assert n - len(track) < n / 1000


def stale_logger(held, speed_mps=20.0):
    """A drive at *speed_mps* (1 Hz) logged by a device that, after each fresh fix, repeats it for
    ``held[i] - 1`` more seconds with new times, then catches up with the true position."""
    times = np.arange(sum(held) + 1)
    fresh = np.concatenate(([0], np.cumsum(held)))  # the seconds at which the logger has a new position
    shown = fresh[np.searchsorted(fresh, times, side="right") - 1]  # the time of the position it reports
    lon = 121.47 + shown * speed_mps / 95_000  # about 95 km per degree of longitude at 31° N
    frame = pd.DataFrame({"time": [(T0 + pd.Timedelta(seconds=int(t))).isoformat() for t in times],
                          "lon": lon, "lat": np.full(len(times), 31.23)})
    return frame, np.isin(times, fresh)


def test_stale_repeats_are_dropped_and_the_catch_up_fix_is_kept():
    # Irregular runs of repeats at 72 km/h: each catch-up jumps 80-140 m in one second (over 250 km/h from the
    # last repeat, 72 km/h from the last fresh fix). Judged from the repeats, most of the track went.
    frame, fresh = stale_logger([5, 4, 7, 4, 6, 4])
    track = track_from_frame(frame)
    assert len(track) == fresh.sum() == 7
    assert track.dropped == [{"reason": "stale repeat", "count": int((~fresh).sum()),
                              "rows": (np.flatnonzero(~fresh) + 1)[:10].tolist()}]
    assert np.array_equal(track.lon, frame["lon"][fresh])  # every fresh fix, the catch-ups included


def test_stale_repeats_do_not_count_as_invalid_rows():
    # More than half the rows are repeats: the track is still read, not refused as a file of garbage.
    frame, fresh = stale_logger([9, 8, 9])
    assert (~fresh).sum() * 2 > len(frame)
    assert len(track_from_frame(frame)) == fresh.sum()


def test_an_outlier_after_a_true_stop_is_dropped_and_the_stop_kept():
    frame, _ = stale_logger([1] * 10, speed_mps=0.0)  # parked: the same position every second
    frame.loc[6, "lon"] += 0.05  # one fix 4.8 km away, then back at the stop
    track = track_from_frame(frame)
    assert track.dropped == [{"reason": "impossible jump (over 250 km/h)", "count": 1, "rows": [7]}]
    assert len(track) == len(frame) - 1


def test_genuine_outliers_between_repeats_are_still_dropped():
    frame, fresh = stale_logger([5, 4, 7, 4, 6, 4])
    frame.loc[12, "lat"] += 0.05  # a fresh-looking fix 5.5 km north, in a run of repeats
    track = track_from_frame(frame)
    reasons = {d["reason"]: d["rows"] for d in track.dropped}
    assert 13 in reasons["impossible jump (over 250 km/h)"]
    assert np.all(np.abs(track.lat - 31.23) < 1e-9)


def test_live_uploads_use_the_same_filter():
    frame, fresh = stale_logger([5, 4, 7, 4, 6, 4])
    track = track_from_frame(frame, source="fixes", min_valid=1, require_majority=False)
    assert len(track) == fresh.sum()


def test_a_datetime_column_is_taken_as_it_is_and_matches_its_iso_text():
    # An archive's timestamp column (aware or naive, microseconds) reads as the same fixes as its ISO text,
    # to the nanosecond, and a missing or out-of-range time is dropped for the same reasons.
    aware = pd.to_datetime(["2026-01-01T00:00:00.123456Z", "2026-01-01T00:00:05Z", None, "1990-01-01T00:00:00Z"],
                           utc=True, format="ISO8601")
    frame = pd.DataFrame({"time": aware, "lon": [121.0, 121.0001, 121.0, 121.0], "lat": [31.0, 31.0001, 31.0, 31.0]})
    text = frame.assign(time=[t.isoformat() if pd.notna(t) else None for t in aware])
    naive = frame.assign(time=aware.tz_localize(None).astype("datetime64[us]"))
    expected = track_from_frame(text, require_majority=False)
    for given in (frame, naive):
        track = track_from_frame(given, require_majority=False)
        assert track.time_ns.tolist() == expected.time_ns.tolist() == [1767225600123456000, 1767225605000000000]
        assert track.dropped == expected.dropped
