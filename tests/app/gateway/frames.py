"""Frames built by hand from the byte layout of JT/T 808-2013 §4.4 / JT/T 808-2019 §4.5, for the tests.

Deliberately independent of ``app.gateway.framing``: the header is packed field by field from the standard's
table, the check code is an XOR written out here, the escaping a byte loop, so a test compares the gateway's
reading against the standard, not against the gateway's own writer.
"""
from __future__ import annotations

import datetime as dt
import struct

BEIJING = dt.timezone(dt.timedelta(hours=8))


def bcd(digits: str, size: int) -> bytes:
    digits = digits.zfill(size * 2)
    return bytes((int(digits[i]) << 4) | int(digits[i + 1]) for i in range(0, size * 2, 2))


def frame(msg_id: int, phone: str, serial: int, body: bytes, *, version: int | None = None,
          packet: tuple[int, int] | None = None) -> bytes:
    """7E | header | body | check | 7E, escaped (0x7E -> 7D 02, 0x7D -> 7D 01)."""
    attributes = len(body) | (0x2000 if packet else 0) | (0x4000 if version is not None else 0)
    header = struct.pack(">HH", msg_id, attributes)
    header += (bytes([version]) + bcd(phone, 10)) if version is not None else bcd(phone, 6)
    header += struct.pack(">H", serial)
    if packet:
        header += struct.pack(">HH", *packet)
    content = header + body
    check = 0
    for byte in content:
        check ^= byte
    content += bytes([check])
    escaped = bytearray()
    for byte in content:
        escaped += {0x7E: b"\x7d\x02", 0x7D: b"\x7d\x01"}.get(byte, bytes([byte]))
    return b"\x7e" + bytes(escaped) + b"\x7e"


def location_body(*, lat: float, lon: float, at: dt.datetime, speed_kph: float = 0.0, heading: int = 0,
                  altitude: int = 0, alarm: int = 0, status: int = 0b10, items: bytes = b"") -> bytes:
    """Table 23: alarm DWORD, status DWORD, lat DWORD, lon DWORD (1e-6 degrees, the sign in status bits 2/3),
    altitude WORD, speed WORD (0.1 km/h), heading WORD, time BCD[6] GMT+8; then additional items."""
    if lat < 0:
        status |= 1 << 2
    if lon < 0:
        status |= 1 << 3
    local = at.astimezone(BEIJING).strftime("%y%m%d%H%M%S")
    return struct.pack(">IIIIHHH", alarm, status, round(abs(lat) * 1e6), round(abs(lon) * 1e6), altitude,
                       round(speed_kph * 10), heading) + bcd(local, 6) + items


def item(item_id: int, value: bytes) -> bytes:
    return bytes([item_id, len(value)]) + value


def registration_body(plate: str = "苏B12345", edition: int = 2013) -> bytes:
    widths = (5, 20, 7) if edition == 2013 else (11, 30, 30)
    texts = [b"HZL01", b"HZ-T1", b"T000001"]
    return struct.pack(">HH", 32, 200) + b"".join(t.ljust(w, b"\0") for t, w in zip(texts, widths)) + \
        bytes([1]) + plate.encode("gbk")


def auth_body(code: str, edition: int = 2013) -> bytes:
    if edition == 2013:
        return code.encode()
    return bytes([len(code)]) + code.encode() + b"861234567890123" + b"HZL-1.0".ljust(20, b"\0")


def batch_body(bodies: list[bytes], kind: int = 1) -> bytes:
    return struct.pack(">HB", len(bodies), kind) + b"".join(struct.pack(">H", len(b)) + b for b in bodies)


def general_answer_of(data: bytes) -> tuple[int, int, int, int]:
    """A 0x8001 frame the gateway sent (2013 header): (its message id, answered serial, answered id, result)."""
    content = data[1:-1].replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")
    msg_id, attributes = struct.unpack_from(">HH", content)
    offset = 4 + (11 if attributes & 0x4000 else 6) + 2
    serial, answered, result = struct.unpack_from(">HHB", content, offset)
    return msg_id, serial, answered, result
