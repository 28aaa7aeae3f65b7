"""JT/T 808 framing: delimiters, escapes, check code, the message header, sub-packages. Pure, no I/O.

A message on the wire (JT/T 808-2013 §4.4 and JT/T 808-2019 §4.5, "消息的组成"): ``0x7e`` | header | body |
check code | ``0x7e``. Inside the delimiters ``0x7e`` is sent as ``0x7d 0x02`` and ``0x7d`` as ``0x7d 0x01``
(§4.4.1 标识位); the check code is the XOR of every byte of header and body (§4.4.4 校验码), computed before the
escaping and itself escaped.

Header (§4.4.3, Table 2 of 2013; Table 2 of 2019): message id WORD, body attributes WORD (bits 0-9 body length,
10-12 encryption, 13 sub-packaged, 14 the 2019 version flag), [2019: protocol version BYTE], terminal phone
number BCD[6] (2013) or BCD[10] (2019), serial number WORD, [when sub-packaged: total packets WORD, packet
number WORD, counted from 1]. Every number is big-endian (§4.2).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

FLAG = 0x7E
ESCAPE = 0x7D
#: The longest frame accepted before its closing flag (a body is at most 1023 bytes, escaping may double it).
MAX_FRAME = 4 * 1024 + 64

_BODY_LENGTH = 0x03FF
_ENCRYPTION = 0x1C00
_SUBPACKAGED = 0x2000
_VERSION_FLAG = 0x4000


class FrameError(ValueError):
    """A frame that cannot be read: bad escape, check code, header or length."""


def xor_check(data: bytes) -> int:
    """The check code of a header and body: the XOR of every byte."""
    check = 0
    for byte in data:
        check ^= byte
    return check


def escape(data: bytes) -> bytes:
    """Escape the content of a frame (``0x7d`` first, so the ``0x7d`` bytes the flags turn into stay single)."""
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    """Undo :func:`escape`; a ``0x7d`` followed by anything but 1 or 2 is an error."""
    if ESCAPE not in data:
        return data
    out = bytearray()
    it = iter(range(len(data)))
    for i in it:
        byte = data[i]
        if byte != ESCAPE:
            out.append(byte)
            continue
        if i + 1 >= len(data) or data[i + 1] not in (1, 2):
            raise FrameError(f"bad escape at byte {i}")
        out.append(ESCAPE if data[i + 1] == 1 else FLAG)
        next(it)
    return bytes(out)


def bcd_to_str(data: bytes) -> str:
    """BCD digits as text (two per byte, high nibble first)."""
    text = data.hex()
    if not text.isdigit():
        raise FrameError(f"not BCD: {text}")
    return text


def str_to_bcd(digits: str, size: int) -> bytes:
    """Digits as BCD of *size* bytes, left-padded with zeros."""
    if not digits.isdigit() or len(digits) > size * 2:
        raise ValueError(f"{digits!r} is not at most {size * 2} digits")
    return bytes.fromhex(digits.zfill(size * 2))


@dataclass(frozen=True)
class Header:
    """A message header, both editions."""

    msg_id: int
    phone: str
    serial: int
    body_length: int
    encryption: int = 0
    #: The 2019 edition's protocol version (1 for the 2019 edition), None for 2011/2013 headers.
    version: int | None = None
    #: Sub-package (total, number from 1), when the message is split.
    packet: tuple[int, int] | None = None

    @property
    def edition(self) -> int:
        return 2013 if self.version is None else 2019


@dataclass(frozen=True)
class Message:
    """A decoded frame: its header and its (unescaped) body."""

    header: Header
    body: bytes = field(repr=False)


def decode(content: bytes) -> Message:
    """A frame's content (between the flags, still escaped) as a message, its check code verified."""
    data = unescape(content)
    if len(data) < 13:
        raise FrameError(f"frame of {len(data)} bytes is too short")
    if xor_check(data[:-1]) != data[-1]:
        raise FrameError(f"check code {data[-1]:#04x}, computed {xor_check(data[:-1]):#04x}")
    data = data[:-1]
    msg_id, attributes = struct.unpack_from(">HH", data)
    offset = 4
    version = None
    if attributes & _VERSION_FLAG:
        version, offset = data[4], 5
        phone, offset = data[offset:offset + 10], offset + 10
    else:
        phone, offset = data[offset:offset + 6], offset + 6
    if len(data) < offset + 2:
        raise FrameError("header cut short")
    (serial,) = struct.unpack_from(">H", data, offset)
    offset += 2
    packet = None
    if attributes & _SUBPACKAGED:
        if len(data) < offset + 4:
            raise FrameError("sub-package header cut short")
        packet = struct.unpack_from(">HH", data, offset)
        offset += 4
        if not 1 <= packet[1] <= packet[0]:
            raise FrameError(f"packet {packet[1]} of {packet[0]}")
    body = data[offset:]
    if len(body) != attributes & _BODY_LENGTH:
        raise FrameError(f"body of {len(body)} bytes, header says {attributes & _BODY_LENGTH}")
    header = Header(msg_id, _phone(bcd_to_str(phone)), serial, len(body), (attributes & _ENCRYPTION) >> 10,
                    version, packet)
    return Message(header, body)


def _phone(digits: str) -> str:
    """The terminal number as digits without the padding zeros of the wider 2019 field (kept to 12 digits:
    a 2013 number's leading zero is part of it)."""
    return digits[-12:] if len(digits) > 12 and not digits[:-12].strip("0") else digits


def encode(msg_id: int, phone: str, serial: int, body: bytes = b"", *, version: int | None = None,
           packet: tuple[int, int] | None = None, encryption: int = 0) -> bytes:
    """A whole frame, flags included: the header of the 2013 edition, or of the 2019 one with *version*."""
    if len(body) > _BODY_LENGTH:
        raise ValueError(f"a body of {len(body)} bytes: at most {_BODY_LENGTH}, split it in packets")
    attributes = len(body) | (encryption << 10)
    if packet is not None:
        attributes |= _SUBPACKAGED
    head = bytearray()
    if version is None:
        head += struct.pack(">HH", msg_id, attributes) + str_to_bcd(phone, 6)
    else:
        head += struct.pack(">HHB", msg_id, attributes | _VERSION_FLAG, version) + str_to_bcd(phone, 10)
    head += struct.pack(">H", serial & 0xFFFF)
    if packet is not None:
        head += struct.pack(">HH", *packet)
    data = bytes(head) + body
    return bytes([FLAG]) + escape(data + bytes([xor_check(data)])) + bytes([FLAG])


class FrameReader:
    """Cuts a TCP byte stream into frames: several per read, one split over reads, garbage between skipped.

    :meth:`feed` returns, in order, each complete frame decoded (a :class:`Message`) or the :class:`FrameError`
    that made it unreadable: one bad frame never costs the connection the frames around it. Bytes before the
    first flag are garbage; two flags in a row are an end and a start (the standard's frames share no flag, but
    terminals in the field send ``7e7e`` between frames).
    """

    def __init__(self, max_frame: int = MAX_FRAME):
        self._buffer = bytearray()
        self._max = max_frame
        self.skipped = 0

    def feed(self, data: bytes) -> list[Message | FrameError]:
        self._buffer += data
        out: list[Message | FrameError] = []
        while True:
            start = self._buffer.find(FLAG)
            if start < 0:
                self.skipped += len(self._buffer)
                self._buffer.clear()
                return out
            if start:
                self.skipped += start
                del self._buffer[:start]
            end = self._buffer.find(FLAG, 1)
            if end < 0:
                if len(self._buffer) > self._max:  # no end in sight: drop what cannot be a frame
                    out.append(FrameError(f"no closing flag within {self._max} bytes"))
                    self.skipped += len(self._buffer)
                    self._buffer.clear()
                return out
            content = bytes(self._buffer[1:end])
            if not content:  # "7e7e": the first flag closed something already consumed, the second opens
                del self._buffer[:1]
                continue
            del self._buffer[:end + 1]
            try:
                out.append(decode(content))
            except FrameError as error:
                out.append(error)


class Reassembler:
    """Joins sub-packaged messages (§4.4.3: a long body sent in numbered packets with consecutive serials).

    The packets of one message share the terminal, the message id and the total, and their serials run on from
    the first's: the key is (phone, id, total, serial of packet 1). At most *max_pending* messages wait at a
    time (the oldest is dropped first), so a terminal that never finishes cannot exhaust memory.
    """

    def __init__(self, max_pending: int = 16):
        self._pending: dict[tuple[str, int, int, int], dict[int, Message]] = {}
        self._max = max_pending

    def add(self, message: Message) -> Message | None:
        """The whole message once its last packet is in (the bodies joined, under the header of the packet
        that completed it: its serial is the one the terminal waits an answer for), a message that was never
        split as it is, or None while packets are missing."""
        header = message.header
        if header.packet is None:
            return message
        total, number = header.packet
        key = (header.phone, header.msg_id, total, (header.serial - number + 1) & 0xFFFF)
        parts = self._pending.setdefault(key, {})
        parts[number] = message
        if len(parts) < total:
            while len(self._pending) > self._max:
                del self._pending[next(iter(self._pending))]
            return None
        del self._pending[key]
        body = b"".join(parts[n].body for n in range(1, total + 1))
        return Message(Header(header.msg_id, header.phone, header.serial, len(body), header.encryption,
                              header.version), body)

    def missing(self) -> int:
        return len(self._pending)
