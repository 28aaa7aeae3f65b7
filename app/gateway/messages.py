"""JT/T 808 message bodies the gateway reads and writes. Pure, no I/O.

Sections and tables cited are those of JT/T 808-2013 (and where it differs JT/T 808-2019): terminal
registration 0x0100 (§8.5) and its answer 0x8100 (§8.6), authentication 0x0102 (§8.8; 2019 adds the code's
length, IMEI and software version), heartbeat 0x0002 (§8.3), logout 0x0003 (2013: 注销 §8.7), location report
0x0200 (§8.18, Tables 23-28), batch / blind-area upload 0x0704 (§8.49), platform general response 0x8001 (§8.2).
"""
from __future__ import annotations

import datetime as dt
import enum
import struct
from dataclasses import dataclass, field

from app.gateway.framing import FrameError, bcd_to_str

REGISTER, REGISTER_ANSWER = 0x0100, 0x8100
AUTHENTICATE, HEARTBEAT, LOGOUT = 0x0102, 0x0002, 0x0003
LOCATION, BATCH = 0x0200, 0x0704
GENERAL_ANSWER, TERMINAL_ANSWER = 0x8001, 0x0001

#: Location times are Beijing time, GMT+8 (§8.18 Table 23, "时间 BCD[6] YY-MM-DD-hh-mm-ss (GMT+8 时间)").
BEIJING = dt.timezone(dt.timedelta(hours=8))


class Result(enum.IntEnum):
    """0x8001 results (§8.2 Table 4)."""

    SUCCESS = 0
    FAILURE = 1
    MESSAGE_ERROR = 2
    NOT_SUPPORTED = 3
    ALARM_CONFIRMED = 4


class RegisterResult(enum.IntEnum):
    """0x8100 results (§8.6 Table 9)."""

    SUCCESS = 0
    VEHICLE_REGISTERED = 1
    NO_VEHICLE = 2
    TERMINAL_REGISTERED = 3
    NO_TERMINAL = 4


#: Alarm flag bits (§8.18 Table 24) the supervision cares about, by name.
ALARM_BITS = {
    0: "emergency", 1: "overspeed", 2: "fatigue", 3: "danger_warning", 4: "gnss_fault",
    5: "gnss_antenna_cut", 6: "gnss_antenna_short", 7: "power_low", 8: "power_cut", 13: "overspeed_warning",
    14: "fatigue_warning", 18: "driving_timeout", 19: "parking_timeout", 20: "area_in_out", 21: "route_in_out",
    22: "route_time", 23: "route_deviation", 26: "stolen", 27: "illegal_ignition", 28: "illegal_move",
    29: "collision", 31: "illegal_door_open",
}
#: Status bits (§8.18 Table 25).
STATUS_ACC, STATUS_FIXED, STATUS_SOUTH, STATUS_WEST = 1 << 0, 1 << 1, 1 << 2, 1 << 3


@dataclass(frozen=True)
class Location:
    """One location report's basic fields (Table 23), decoded, and its additional items (Table 26)."""

    alarm: int
    status: int
    lat: float
    lon: float
    altitude_m: int
    speed_kph: float
    heading: int
    at: dt.datetime
    #: Decoded additional items: ``mileage_km``, ``fuel_l``, ``signal``, ``satellites``, ``record_speed_kph``.
    items: dict[str, float] = field(default_factory=dict)
    #: Every other additional item, id → bytes as hex.
    raw: dict[int, str] = field(default_factory=dict)

    @property
    def fixed(self) -> bool:
        return bool(self.status & STATUS_FIXED)

    @property
    def alarms(self) -> list[str]:
        return [name for bit, name in ALARM_BITS.items() if self.alarm >> bit & 1]


#: Additional items read (Table 26): id → (name, struct format, scale).
_ITEMS = {0x01: ("mileage_km", ">I", 0.1), 0x02: ("fuel_l", ">H", 0.1), 0x03: ("record_speed_kph", ">H", 0.1),
          0x30: ("signal", ">B", 1), 0x31: ("satellites", ">B", 1)}
_BASIC = struct.Struct(">IIIIHHH6s")


def decode_location(body: bytes) -> Location:
    """A 0x0200 body (or one of a 0x0704's). South latitude and west longitude are the status bits 2 and 3."""
    if len(body) < _BASIC.size:
        raise FrameError(f"location body of {len(body)} bytes, at least {_BASIC.size}")
    alarm, status, lat, lon, altitude, speed, heading, time = _BASIC.unpack_from(body)
    items: dict[str, float] = {}
    raw: dict[int, str] = {}
    offset = _BASIC.size
    while offset + 2 <= len(body):
        item, length = body[offset], body[offset + 1]
        value = body[offset + 2:offset + 2 + length]
        if len(value) != length:
            raise FrameError(f"additional item {item:#04x} cut short")
        offset += 2 + length
        known = _ITEMS.get(item)
        if known and struct.calcsize(known[1]) == length:
            number = struct.unpack(known[1], value)[0] * known[2]
            items[known[0]] = round(number, 1) if known[2] != 1 else number
        else:
            raw[item] = value.hex()
    return Location(alarm, status, lat / 1e6 * (-1 if status & STATUS_SOUTH else 1),
                    lon / 1e6 * (-1 if status & STATUS_WEST else 1), _signed16(altitude), speed / 10, heading,
                    bcd_time(time), items, raw)


def _signed16(value: int) -> int:
    """Altitude is a WORD, but terminals below sea level send it two's-complement."""
    return value - 0x10000 if value & 0x8000 else value


def bcd_time(data: bytes) -> dt.datetime:
    """BCD[6] YYMMDDhhmmss in Beijing time, as UTC."""
    digits = bcd_to_str(data)
    try:
        local = dt.datetime(2000 + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:8]),
                            int(digits[8:10]), int(digits[10:12]), tzinfo=BEIJING)
    except ValueError as error:
        raise FrameError(f"bad time {digits}: {error}") from None
    return local.astimezone(dt.timezone.utc)


def decode_batch(body: bytes) -> tuple[int, list[Location]]:
    """A 0x0704 body: its type (0 normal batch, 1 blind-area upload) and its locations."""
    if len(body) < 3:
        raise FrameError("batch body cut short")
    count, kind = struct.unpack_from(">HB", body)
    offset, locations = 3, []
    for _ in range(count):
        if offset + 2 > len(body):
            raise FrameError("batch cut short")
        (length,) = struct.unpack_from(">H", body, offset)
        locations.append(decode_location(body[offset + 2:offset + 2 + length]))
        offset += 2 + length
    return kind, locations


@dataclass(frozen=True)
class Registration:
    """A 0x0100 body (the parts the registry compares)."""

    province: int
    city: int
    maker: str
    model: str
    device_id: str
    plate_color: int
    plate: str


def _text(data: bytes) -> str:
    """A fixed-width text field: GBK (§4.2 STRING), padding zeros and NULs trimmed."""
    return data.rstrip(b"\x00").decode("gbk", errors="replace").strip()


def decode_registration(body: bytes, edition: int) -> Registration:
    """A 0x0100 body: 2013 maker BYTE[5], model BYTE[20], terminal id BYTE[7]; 2019 BYTE[11], [30], [30]."""
    widths = (5, 20, 7) if edition == 2013 else (11, 30, 30)
    fixed = 4 + sum(widths) + 1
    if len(body) < fixed:
        raise FrameError(f"registration body of {len(body)} bytes, at least {fixed}")
    province, city = struct.unpack_from(">HH", body)
    offset, texts = 4, []
    for width in widths:
        texts.append(_text(body[offset:offset + width]))
        offset += width
    return Registration(province, city, *texts, plate_color=body[offset], plate=_text(body[offset + 1:]))


@dataclass(frozen=True)
class Authentication:
    code: str
    imei: str = ""
    software: str = ""


def decode_authentication(body: bytes, edition: int) -> Authentication:
    """A 0x0102 body: 2013 the code alone; 2019 its length BYTE, the code, IMEI BYTE[15], software BYTE[20]."""
    if edition == 2013:
        return Authentication(_text(body))
    if not body or len(body) < 1 + body[0]:
        raise FrameError("authentication body cut short")
    length = body[0]
    return Authentication(_text(body[1:1 + length]), _text(body[1 + length:16 + length]),
                          _text(body[16 + length:36 + length]))


def general_answer(serial: int, msg_id: int, result: Result) -> bytes:
    """A 0x8001 body: the answered serial and id, the result."""
    return struct.pack(">HHB", serial, msg_id, result)


def register_answer(serial: int, result: RegisterResult, code: str = "") -> bytes:
    """A 0x8100 body: the answered serial, the result, and on success the authentication code."""
    body = struct.pack(">HB", serial, result)
    return body + code.encode("ascii") if result is RegisterResult.SUCCESS else body


def decode_general_answer(body: bytes) -> tuple[int, int, Result]:
    """A 0x8001 body (the simulator's side)."""
    serial, msg_id, result = struct.unpack(">HHB", body[:5])
    return serial, msg_id, Result(result)


def decode_register_answer(body: bytes) -> tuple[int, RegisterResult, str]:
    """A 0x8100 body (the simulator's side)."""
    serial, result = struct.unpack_from(">HB", body)
    return serial, RegisterResult(result), body[3:].decode("ascii", errors="replace")
