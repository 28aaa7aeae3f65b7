"""A JT/T 808 terminal in software: registers, authenticates, reports, uploads a blind area; for the demo,
the tests and the benchmark.

:class:`SimulatedTerminal` speaks to a gateway over asyncio streams and waits for each answer by its serial.
:func:`drive_demo` is the demo's session: the demo tanker's detour (``geodata/demo_track_detour.csv``) reported
fix by fix (times moved to begin when told), with a stretch kept back as if out of coverage and sent
afterwards in one blind-area upload (0x0704 type 1).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app.gateway import messages as m
from app.gateway.framing import FrameReader, Message, encode, str_to_bcd

#: The demo tanker's terminal (app/services/demo_scenario.py) and the stretch of its detour kept back.
DEMO_TERMINAL = "013912345678"
DEMO_GAP = (20, 40)


@dataclass(frozen=True)
class Fix:
    at: dt.datetime
    lon: float
    lat: float
    speed_kph: float = 0.0
    alarm: int = 0


def location_body(fix: Fix, *, heading: int = 0, altitude: int = 0, satellites: int = 12) -> bytes:
    """A 0x0200 body (JT/T 808-2013 Table 23): positioned, south/west by the status bits, Beijing time."""
    status = m.STATUS_FIXED | (m.STATUS_SOUTH if fix.lat < 0 else 0) | (m.STATUS_WEST if fix.lon < 0 else 0)
    local = fix.at.astimezone(m.BEIJING).strftime("%y%m%d%H%M%S")
    return (struct.pack(">IIIIHHH", fix.alarm, status, round(abs(fix.lat) * 1e6), round(abs(fix.lon) * 1e6),
                        altitude, round(fix.speed_kph * 10), heading) + str_to_bcd(local, 6)
            + bytes([0x31, 1, satellites]))


def batch_body(fixes: Sequence[Fix], kind: int) -> bytes:
    """A 0x0704 body: count, type (1: blind-area upload), each location's length and body."""
    bodies = [location_body(fix) for fix in fixes]
    return struct.pack(">HB", len(bodies), kind) + b"".join(struct.pack(">H", len(b)) + b for b in bodies)


class SimulatedTerminal:
    """One terminal on one connection."""

    def __init__(self, phone: str, *, version: int | None = None):
        self.phone, self.version = phone, version
        self.serial = 0
        self._waiting: dict[tuple[int, int], asyncio.Future[Message]] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, host: str, port: int) -> None:
        self._reader, self._writer = await asyncio.open_connection(host, port)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        frames = FrameReader()
        assert self._reader is not None
        while data := await self._reader.read(65536):
            for message in frames.feed(data):
                if not isinstance(message, Message):
                    continue
                if message.header.msg_id == m.GENERAL_ANSWER:
                    serial, msg_id, _ = m.decode_general_answer(message.body)
                    key = (serial, m.GENERAL_ANSWER)
                else:
                    key = (m.decode_register_answer(message.body)[0], message.header.msg_id)
                future = self._waiting.pop(key, None)
                if future is not None and not future.done():
                    future.set_result(message)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("the gateway closed the connection"))

    def send_raw(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)

    def _frame(self, msg_id: int, body: bytes) -> tuple[int, bytes]:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial, encode(msg_id, self.phone, self.serial, body, version=self.version)

    def send(self, msg_id: int, body: bytes, answer: int = m.GENERAL_ANSWER) -> asyncio.Future[Message]:
        """Send a message; the future of its answer."""
        serial, data = self._frame(msg_id, body)
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiting[(serial, answer)] = future
        self.send_raw(data)
        return future

    async def result(self, msg_id: int, body: bytes) -> m.Result:
        return m.decode_general_answer((await self.send(msg_id, body)).body)[2]

    async def register(self, plate: str = "", device_id: str = "SIM0001") -> tuple[m.RegisterResult, str]:
        widths = (5, 20, 7) if self.version is None else (11, 30, 30)
        texts = [b"HZLSM", b"hazledger-sim", device_id.encode("ascii")]
        body = struct.pack(">HH", 32, 200) + b"".join(t[:w].ljust(w, b"\0") for t, w in zip(texts, widths))
        body += bytes([1]) + plate.encode("gbk")
        answer = await self.send(m.REGISTER, body, answer=m.REGISTER_ANSWER)
        _, result, code = m.decode_register_answer(answer.body)
        return result, code

    async def authenticate(self, code: str) -> m.Result:
        raw = code.encode("ascii")
        body = raw if self.version is None else bytes([len(raw)]) + raw + b"0" * 15 + b"hazledger-sim".ljust(20, b"\0")
        return await self.result(m.AUTHENTICATE, body)

    async def report(self, fix: Fix) -> m.Result:
        return await self.result(m.LOCATION, location_body(fix))

    async def upload(self, fixes: Sequence[Fix], kind: int = 1) -> m.Result:
        return await self.result(m.BATCH, batch_body(fixes, kind))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def demo_fixes(track: Path, start: dt.datetime) -> list[Fix]:
    """The demo's detour track, moved to begin at *start*."""
    frame = pd.read_csv(track)
    times = pd.to_datetime(frame["time"], utc=True)
    shifted = times - times.min() + pd.Timestamp(start)
    step = times.diff().dt.total_seconds().fillna(5.0).clip(lower=1.0)
    metres = _step_metres(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return [Fix(t.to_pydatetime(), float(lon), float(lat), round(float(d / s * 3.6), 1))
            for t, lon, lat, d, s in zip(shifted, frame["lon"], frame["lat"], metres, step)]


def _step_metres(lon: Sequence[float], lat: Sequence[float]) -> list[float]:
    """Each fix's distance from the one before (the terminal's speed from its own positions)."""
    import numpy as np

    lon, lat = np.radians(np.asarray(lon)), np.radians(np.asarray(lat))
    d_lon, d_lat = np.diff(lon, prepend=lon[0]), np.diff(lat, prepend=lat[0])
    a = np.sin(d_lat / 2) ** 2 + np.cos(lat) * np.cos(np.roll(lat, 1)) * np.sin(d_lon / 2) ** 2
    return list(2 * 6_371_000 * np.arcsin(np.sqrt(np.clip(a, 0, 1))))


async def drive_demo(host: str, port: int, track: Path, *, start: dt.datetime, phone: str = DEMO_TERMINAL,
                     version: int | None = None, gap: tuple[int, int] = DEMO_GAP) -> dict[str, object]:
    """The demo session: register, authenticate, report the detour (less the *gap*), upload the gap."""
    terminal = SimulatedTerminal(phone, version=version)
    await terminal.connect(host, port)
    try:
        result, code = await terminal.register()
        if result is not m.RegisterResult.SUCCESS:
            return {"registered": result.name}
        authenticated = await terminal.authenticate(code)
        fixes = demo_fixes(track, start)
        live = fixes[:gap[0]] + fixes[gap[1]:]
        # Sent as fast as the connection takes them (a replay), each answered once stored.
        answers = [m.decode_general_answer(a.body)[2] for a in await asyncio.gather(
            *(terminal.send(m.LOCATION, location_body(fix)) for fix in live))]
        blind = await terminal.upload(fixes[gap[0]:gap[1]], kind=1)
        return {"registered": result.name, "authenticated": authenticated.name, "reported": len(live),
                "accepted": sum(a is m.Result.SUCCESS for a in answers), "blind_area": gap[1] - gap[0],
                "blind_area_result": blind.name}
    finally:
        await terminal.close()
