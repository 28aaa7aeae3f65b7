"""The JT/T 808 codec on bytes: public frames of other implementations, and frames built from the standard."""
from __future__ import annotations

import datetime as dt

import pytest

from app.gateway import messages as m
from app.gateway.framing import FrameError, FrameReader, Message, Reassembler, decode, encode, escape, unescape
from tests.app.gateway.frames import auth_body, batch_body, frame, item, location_body, registration_body

UTC = dt.timezone.utc


def _read(data: bytes) -> Message:
    [message] = FrameReader().feed(data)
    assert isinstance(message, Message), message
    return message


# Public frames, with the values their projects' tests decode them to. Source: SmallChi/JT808 (MIT),
# src/JT808.Protocol.Test/MessageBody/JT808_0x0200Test.cs, test Demo2: the serial 126 is 00 7E, escaped as
# 00 7D 02, and the fuel 125 (0x007D) as 00 7D 01.
SMALLCHI_0200_DEMO2 = ("7E 02 00 00 26 12 34 56 78 90 12 00 7D 02 00 00 00 01 00 00 00 02 00 BA 7F 0E 07 E4 F1 1C "
                       "00 28 00 3C 00 00 18 10 15 10 10 10 01 04 00 00 00 64 02 02 00 7D 01 13 7E")
# Same file, test Test5.
SMALLCHI_0200_TEST5 = ("7E 02 00 00 26 11 22 33 44 55 66 22 B8 00 00 00 01 00 00 00 02 00 BA 7F 0E 07 E4 F1 1C 00 28 "
                       "00 3C 00 00 18 07 15 10 10 10 01 04 00 00 00 64 02 02 00 37 57 7E")
# SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0704Test.cs, test Test2.
SMALLCHI_0704 = ("7E 07 04 00 53 11 22 33 44 55 66 22 B8 00 02 00 00 26 00 00 00 01 00 00 00 02 00 BA 7F 0E 07 E4 F1 "
                 "1C 00 28 00 3C 00 00 18 07 15 10 10 10 01 04 00 00 00 64 02 02 00 37 00 26 00 00 00 02 00 00 00 01 "
                 "00 CB 73 55 07 E6 A3 23 00 29 00 36 00 78 18 07 15 10 10 30 01 04 00 00 00 60 02 02 00 42 D4 7E")
# SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0100Test.cs, tests Test1_1 (2013) and Test2019_2.
SMALLCHI_0100_2013 = ("7E 01 00 00 2D 00 01 23 45 67 89 00 0A 00 28 00 32 31 32 33 34 30 73 6D 61 6C 6C 63 68 69 31 32 "
                      "33 30 30 30 30 30 30 30 30 30 43 48 49 31 32 33 30 01 D4 C1 41 31 32 33 34 35 BA 7E")
SMALLCHI_0100_2019 = ("7E010040540100000000000123456789000A00280032303030303030303132333430303030303030303030303030"
                      "303030303030736D616C6C6368693132333030303030303030303030303030303030303030303030304348493132"
                      "3301D4C1413132333435B27E")
# SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0102Test.cs, test Test4.
SMALLCHI_0102 = "7E 01 02 00 09 01 23 45 67 89 00 30 39 34 35 36 31 32 31 31 31 31 BE 7E"


def test_public_location_with_escapes_in_the_header_and_body():
    message = _read(bytes.fromhex(SMALLCHI_0200_DEMO2))
    header = message.header
    assert (header.msg_id, header.body_length, header.serial, header.phone, header.edition) == (
        0x0200, 38, 126, "123456789012", 2013)
    loc = m.decode_location(message.body)
    assert (loc.alarm, loc.status, loc.altitude_m, loc.heading) == (1, 2, 40, 0)
    assert (loc.lat, loc.lon, loc.speed_kph) == (12.222222, 132.444444, 6.0)
    # SmallChi reads the BCD time as 2018-10-15 10:10:10 local; the standard says GMT+8.
    assert loc.at == dt.datetime(2018, 10, 15, 2, 10, 10, tzinfo=UTC)
    assert loc.items == {"mileage_km": 10.0, "fuel_l": 12.5}
    assert loc.alarms == ["emergency"] and loc.fixed


def test_public_location_test5():
    message = _read(bytes.fromhex(SMALLCHI_0200_TEST5))
    assert (message.header.serial, message.header.phone) == (8888, "112233445566")
    loc = m.decode_location(message.body)
    assert loc.items == {"mileage_km": 10.0, "fuel_l": 5.5}
    assert loc.at == dt.datetime(2018, 7, 15, 2, 10, 10, tzinfo=UTC)


def test_public_batch_upload():
    message = _read(bytes.fromhex(SMALLCHI_0704))
    kind, locations = m.decode_batch(message.body)
    assert (message.header.msg_id, kind, len(locations)) == (0x0704, 0, 2)
    second = locations[1]
    assert (second.alarm, second.status, second.lat, second.lon) == (2, 1, 13.333333, 132.555555)
    assert (second.speed_kph, second.heading, second.altitude_m) == (5.4, 120, 41)
    assert second.at == dt.datetime(2018, 7, 15, 2, 10, 30, tzinfo=UTC)
    assert second.items == {"mileage_km": 9.6, "fuel_l": 6.6}
    assert not second.fixed  # status 1: ACC on, not positioned


def test_public_registration_both_editions():
    old = _read(bytes.fromhex(SMALLCHI_0100_2013))
    assert (old.header.edition, old.header.serial, old.header.phone) == (2013, 10, "000123456789")
    reg = m.decode_registration(old.body, 2013)
    assert (reg.province, reg.city, reg.maker, reg.plate_color, reg.plate) == (40, 50, "12340", 1, "粤A12345")
    assert reg.device_id == "CHI1230"
    new = _read(bytes.fromhex(SMALLCHI_0100_2019))
    assert (new.header.edition, new.header.version, new.header.serial) == (2019, 1, 10)
    assert new.header.phone.lstrip("0") == "123456789"  # SmallChi shows it without the padding zeros
    reg = m.decode_registration(new.body, 2019)
    assert (reg.province, reg.city, reg.plate_color, reg.plate) == (40, 50, 1, "粤A12345")
    assert reg.maker == "1234".rjust(11, "0") and reg.device_id == "CHI123".rjust(30, "0")


def test_public_authentication_2013():
    message = _read(bytes.fromhex(SMALLCHI_0102))
    assert (message.header.serial, message.header.phone.lstrip("0")) == (12345, "12345678900")
    assert m.decode_authentication(message.body, 2013).code == "456121111"


def test_authentication_2019_body():
    body = auth_body("a1b2c3", edition=2019)
    message = _read(frame(0x0102, "013912345678", 7, body, version=1))
    auth = m.decode_authentication(message.body, message.header.edition)
    assert (auth.code, auth.imei, auth.software) == ("a1b2c3", "861234567890123", "HZL-1.0")


def test_2019_header_keeps_a_2013_number():
    message = _read(frame(0x0002, "013912345678", 65535, b"", version=1))
    assert (message.header.phone, message.header.serial, message.header.version) == ("013912345678", 65535, 1)


def _location(**kwargs) -> bytes:
    at = dt.datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)
    return location_body(at=at, **kwargs)


def test_location_south_west_and_items():
    body = _location(lat=-33.856784, lon=-70.6483, speed_kph=87.3, heading=359, altitude=521, alarm=1 << 8,
                     items=item(0x01, (123456).to_bytes(4, "big")) + item(0x30, b"\x1f") + item(0x31, b"\x0c")
                     + item(0x25, b"\x00\x00\x00\x01") + item(0xE1, b"\xab\xcd"))
    loc = m.decode_location(_read(frame(0x0200, "013912345678", 1, body)).body)
    assert (loc.lat, loc.lon, loc.speed_kph, loc.heading, loc.altitude_m) == (-33.856784, -70.6483, 87.3, 359, 521)
    assert loc.at == dt.datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)
    assert loc.items == {"mileage_km": 12345.6, "signal": 31, "satellites": 12}
    assert loc.raw == {0x25: "00000001", 0xE1: "abcd"}
    assert loc.alarms == ["power_cut"]


def _with_check(check: int) -> bytes:
    """A heartbeat whose check code is *check*: the serial chosen to make it so."""
    for serial in range(65536):
        data = frame(0x0002, "013912345678", serial, b"")
        content = unescape(data[1:-1])
        if content[-1] == check:
            return data
    raise AssertionError("unreachable")


@pytest.mark.parametrize("check", [0x7E, 0x7D])
def test_escapes_inside_the_check_code(check):
    data = _with_check(check)
    assert data[-3:-1] == (b"\x7d\x02" if check == 0x7E else b"\x7d\x01")
    assert _read(data).header.msg_id == 0x0002


def test_several_frames_per_read_split_reads_and_garbage():
    frames = [frame(0x0200, "013912345678", n, _location(lat=31.2, lon=121.4 + n / 1000)) for n in range(5)]
    stream = b"\x00\xffjunk" + frames[0] + frames[1] + b"\x13\x37" + frames[2] + frames[3] + b"\x7e" + frames[4]
    reader, got = FrameReader(), []
    for start in range(0, len(stream), 7):  # a read every 7 bytes: frames split anywhere
        got += reader.feed(stream[start:start + 7])
    # The lone 7e before the last frame opens a "frame" that the next 7e closes: empty, skipped.
    assert [g.header.serial for g in got if isinstance(g, Message)] == [0, 1, 2, 3, 4]
    assert not [g for g in got if isinstance(g, FrameError)]
    assert reader.skipped > 0
    merged = FrameReader().feed(b"".join(frames))
    assert [g.header.serial for g in merged] == [0, 1, 2, 3, 4]


def test_a_malformed_frame_is_reported_and_the_next_read():
    good = frame(0x0002, "013912345678", 9, b"")
    bad_check = good[:-2] + bytes([good[-2] ^ 0xFF]) + b"\x7e"
    bad_escape = b"\x7e\x00\x02\x7d\x05\x7e"
    short = b"\x7e\x00\x02\x00\x7e"
    got = FrameReader().feed(bad_check + bad_escape + short + good)
    assert [type(g).__name__ for g in got] == ["FrameError", "FrameError", "FrameError", "Message"]
    assert "check code" in str(got[0]) and "escape" in str(got[1])


def test_length_mismatch_is_an_error():
    data = frame(0x0200, "013912345678", 1, _location(lat=31.2, lon=121.4))
    content = bytearray(unescape(data[1:-1]))
    content[3] -= 1  # body length one less than sent
    content[-1] = 0
    for byte in content[:-1]:
        content[-1] ^= byte
    with pytest.raises(FrameError, match="body of"):
        decode(escape(bytes(content)))


def test_sub_packaged_message_reassembled():
    bodies = [_location(lat=31.2, lon=121.4 + n / 1000) for n in range(3)]
    whole = batch_body(bodies, kind=1)
    parts = [whole[:40], whole[40:80], whole[80:]]
    reader, joiner = FrameReader(), Reassembler()
    frames = [frame(0x0704, "013912345678", 100 + n, part, packet=(3, n + 1)) for n, part in enumerate(parts)]
    out = []
    for data in (frames[1], frames[0], frames[2]):  # out of order
        [message] = reader.feed(data)
        assert message.header.packet is not None
        out.append(joiner.add(message))
    assert out[:2] == [None, None]
    kind, locations = m.decode_batch(out[2].body)
    assert (kind, len(locations), out[2].header.serial) == (1, 3, 102)
    assert [loc.lon for loc in locations] == [121.4, 121.401, 121.402]
    assert joiner.missing() == 0


def test_encode_round_trip_and_answers():
    for version in (None, 1):
        data = encode(0x8001, "013912345678", 0x7E7D, m.general_answer(0x7E, 0x0200, m.Result.SUCCESS),
                      version=version)
        message = _read(data)
        assert (message.header.serial, message.header.version) == (0x7E7D, version)
        assert m.decode_general_answer(message.body) == (0x7E, 0x0200, m.Result.SUCCESS)
    answer = m.register_answer(5, m.RegisterResult.SUCCESS, "abc123")
    assert m.decode_register_answer(answer) == (5, m.RegisterResult.SUCCESS, "abc123")
    assert m.decode_register_answer(m.register_answer(5, m.RegisterResult.NO_TERMINAL, "x"))[1:] == (
        m.RegisterResult.NO_TERMINAL, "")


def test_registration_2013_built_from_the_layout():
    message = _read(frame(0x0100, "013912345678", 3, registration_body("苏E12345")))
    reg = m.decode_registration(message.body, 2013)
    assert (reg.maker, reg.model, reg.device_id, reg.plate) == ("HZL01", "HZ-T1", "T000001", "苏E12345")
    with pytest.raises(FrameError):
        m.decode_registration(message.body[:20], 2013)


@pytest.mark.parametrize("body", [b"\x00" * 10, location_body(lat=1, lon=1, at=dt.datetime(2026, 1, 1, tzinfo=UTC))
                                  [:28] + bytes.fromhex("261399000000")])
def test_bad_location_bodies(body):
    with pytest.raises(FrameError):
        m.decode_location(body)
