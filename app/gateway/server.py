"""The JT/T 808 gateway: an asyncio TCP server, a thin shell around the pure codec and the ingestion services.

Each connection reads frames (:class:`~app.gateway.framing.FrameReader`), joins sub-packages, and answers each
message: registration with 0x8100, everything else with 0x8001 carrying the message's serial and id and the
result. A terminal must authenticate (0x0102) before anything it sends is kept; before, a report is answered
"failure". Location reports (0x0200, 0x0704) are answered as soon as they are queued in a :class:`Batcher`, a
bounded queue (a full one holds the connection until there is room: back-pressure), which stores the reports of
all terminals of an interval at once off the event loop (a thread runs the database work). A malformed frame is
logged, counted and skipped; the connection's other frames go on.

Stopping (SIGINT, SIGTERM): the listening socket closes, the connections stop reading, what was read is
answered and stored, the terminals are marked disconnected, and the connections close.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import contextlib
import logging
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

from app.gateway import QUEUE_LIMIT
from app.gateway import messages as m
from app.gateway.framing import FrameError, FrameReader, Message, Reassembler, encode
from app.services.terminal_feed import Activity
from app.services.terminals import Authenticated
from models.types import utcnow

log = logging.getLogger("hazledger.gateway")
T = TypeVar("T")
READ_SIZE = 64 * 1024


class Backend:
    """The database side: each call runs a service in a worker thread, in an app context of its own.

    Registrations, authentications and disconnections run on *workers* threads; the batches of positions on a
    thread of their own, one at a time (a terminal's batches stay in order), never queued behind a wave of
    terminals connecting at once.
    """

    def __init__(self, run: Callable[..., Any], workers: int = 4):
        self._run = run
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gateway-db")
        self._store = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-store")

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._run, fn, *args)

    async def store(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._store, self._run, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._store.shutdown(wait=True)


def flask_runner(app: Any) -> Callable[..., Any]:
    """Run ``fn(session, *args)`` in an app context expecting writes (the app's database, its settings)."""
    from app.extensions import db
    from models.engine import expecting_writes

    def run(fn: Callable[..., T], *args: Any) -> T:
        with app.app_context(), expecting_writes():
            return fn(db.session, *args)

    return run


@dataclass
class Stats:
    connections: int = 0
    messages: int = 0
    positions: int = 0
    stored: int = 0
    kept_for_vehicle: int = 0
    malformed: int = 0
    unauthenticated: int = 0
    failed_batches: int = 0
    lost: int = 0
    batches: int = 0
    batch_seconds: float = 0.0
    #: Seconds from reading a location report to answering it (waiting for room in the queue included) …
    ack_latency: list[float] = field(default_factory=list)
    #: … and from queueing a batch's oldest report to the batch committed.
    store_lag: list[float] = field(default_factory=list)


#: Seconds between attempts to store a batch while the database cannot be reached (doubling up to the last).
RETRY_S = (0.5, 1.0, 2.0, 5.0)
#: Positions stored in one transaction at most: a backlog (the queue full after the database was away) is
#: stored in batches of about this size, not in one transaction holding the trips' states for minutes.
BATCH_LIMIT = 50_000


class Batcher:
    """Collects the terminals' activity of an interval and stores it in one go, off the event loop.

    A report is answered as soon as it is queued here: its answer never waits for the database. The queue is
    bounded (*limit* positions, those waiting and those of the batch being stored): a connection whose report
    finds it full waits in :meth:`room` before queueing (and so before answering, and before reading its next
    frame), so when storage falls behind the terminals' answers slow down, TCP pushes back, and the terminals
    resend or keep their reports (JT/T 808-2013 §6.1.2: a message not answered in time is resent, location
    reports that cannot be sent are stored for later). A batch that cannot be stored because the database is
    unreachable is kept at the head of the queue and tried again (:data:`RETRY_S`); any other failure is logged
    with the number of positions lost.
    """

    def __init__(self, backend: Backend, store: Callable[..., dict[str, Any]], interval: float, stats: Stats,
                 limit: int = QUEUE_LIMIT, batch_limit: int = BATCH_LIMIT):
        self._backend, self._store, self._interval, self._stats = backend, store, interval, stats
        self._limit, self._batch_limit = limit, batch_limit
        self._pending: dict[str, Activity] = {}
        self._queued = 0  # positions waiting or being stored
        self._oldest: float | None = None  # when the oldest waiting report was queued (loop time)
        self._room = asyncio.Event()
        self._room.set()
        self._lock = asyncio.Lock()
        self._failures = 0  # attempts in a row that found the database unreachable
        self._closing = False
        self.waiting = 0  # connections waiting for room

    @property
    def queued(self) -> int:
        """Positions read and not yet stored."""
        return self._queued

    async def room(self) -> None:
        """Wait until the queue has room for a report (at once when it has)."""
        while self._queued >= self._limit and not self._closing:
            self._room.clear()
            self.waiting += 1
            try:
                await self._room.wait()
            finally:
                self.waiting -= 1

    def close(self) -> None:
        """Stopping: no connection waits for room any more (what was read is stored by the last flush)."""
        self._closing = True
        self._room.set()

    def add(self, who: Authenticated, msg_id: int, at: dt.datetime, locations: list[m.Location]) -> None:
        """Queue a message of *who* (with its locations) for the next batch."""
        activity = self._pending.get(who.terminal_id)
        if activity is None:
            activity = self._pending[who.terminal_id] = Activity(who.terminal_id, who.vehicle_id)
        activity.messages += 1
        activity.last_message_id, activity.last_message_at = msg_id, at
        activity.locations += locations
        self._queued += len(locations)
        if self._oldest is None:
            self._oldest = asyncio.get_running_loop().time()

    async def run(self, stopping: asyncio.Event) -> None:
        """Store a batch every *interval* (counted from the start of the previous one: a batch that took longer
        is followed at once by the next, which has gathered meanwhile)."""
        loop = asyncio.get_running_loop()
        while not stopping.is_set():
            due = loop.time() + self._interval
            if await self.flush() is False:  # the database away: wait before trying again
                due = loop.time() + RETRY_S[min(self._failures, len(RETRY_S)) - 1]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), max(0.0, due - loop.time()))

    async def flush(self) -> bool | None:
        """Store what is queued; True when stored, False when it stays queued (the database unreachable),
        None when there was nothing to store or the batch was lost."""
        async with self._lock:
            if not self._pending:
                return None
            batch, oldest, positions = self._take()
            began = time.perf_counter()
            try:
                totals = await self._backend.store(self._store, batch)
            except (OperationalError, InterfaceError):  # unreachable: keep it in front of what came meanwhile
                log.exception("storing %d terminals' reports failed: kept to try again", len(batch))
                self._stats.failed_batches += 1
                self._failures += 1
                self._requeue(batch, oldest)
                return False
            except Exception:
                log.exception("storing %d terminals' reports failed: %d positions lost", len(batch), positions)
                self._stats.failed_batches += 1
                self._stats.lost += positions
                outcome = None
            else:
                self._stats.stored += totals["stored"]
                self._stats.kept_for_vehicle += totals["kept_for_vehicle"]
                if oldest is not None:
                    self._stats.store_lag.append(asyncio.get_running_loop().time() - oldest)
                outcome = True
            self._failures = 0
            self._stats.batches += 1
            self._stats.batch_seconds += time.perf_counter() - began
            self._queued -= positions
            self._room.set()
            return outcome

    def _take(self) -> tuple[list[Activity], float | None, int]:
        """The next batch: whole terminals' activity, in the order they were queued, up to about
        :data:`BATCH_LIMIT` positions (the rest stays queued); when the oldest of it was queued; its positions."""
        batch, rest, positions = [], {}, 0
        for terminal, activity in self._pending.items():
            if positions < self._batch_limit:
                batch.append(activity)
                positions += len(activity.locations)
            else:
                rest[terminal] = activity
        oldest, self._pending = self._oldest, rest
        self._oldest = oldest if rest else None
        return batch, oldest, positions

    async def drain(self) -> bool:
        """Store everything queued (stopping), trying again as :meth:`run` does while the database cannot be
        reached (:data:`RETRY_S`, once each); whether the queue is empty."""
        failures = 0
        while self._pending:
            if await self.flush() is False:
                if failures == len(RETRY_S):
                    return False
                await asyncio.sleep(RETRY_S[failures])
                failures += 1
        return True

    def _requeue(self, batch: list[Activity], oldest: float | None) -> None:
        """Put a batch back in front of the activity queued since (a terminal's reports stay in order)."""
        later, self._pending = self._pending, {a.terminal_id: a for a in batch}
        for activity in later.values():
            kept = self._pending.get(activity.terminal_id)
            if kept is None:
                self._pending[activity.terminal_id] = activity
                continue
            kept.messages += activity.messages
            kept.last_message_id, kept.last_message_at = activity.last_message_id, activity.last_message_at
            kept.locations += activity.locations
        self._oldest = oldest


class Connection:
    """One terminal's TCP connection."""

    def __init__(self, gateway: Gateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.gateway, self.reader, self.writer = gateway, reader, writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.frames, self.packets = FrameReader(), Reassembler()
        self.who: Authenticated | None = None
        self.serial = 0

    async def serve(self) -> None:
        try:
            while data := await self.reader.read(READ_SIZE):
                for item in self.frames.feed(data):
                    if isinstance(item, FrameError):
                        self.gateway.stats.malformed += 1
                        log.warning("%s: malformed frame skipped: %s", self.peer, item)
                        continue
                    whole = self.packets.add(item)
                    if whole is None:  # a packet of a longer message: acknowledged, the rest awaited
                        self.answer(item, m.Result.SUCCESS)
                        continue
                    await self.handle(whole)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass

    def send(self, msg_id: int, phone: str, body: bytes, version: int | None) -> None:
        self.serial = (self.serial + 1) & 0xFFFF
        if not self.writer.is_closing():
            self.writer.write(encode(msg_id, phone, self.serial, body, version=version))

    def answer(self, message: Message, result: m.Result) -> None:
        header = message.header
        self.send(m.GENERAL_ANSWER, header.phone, m.general_answer(header.serial, header.msg_id, result),
                  header.version)

    async def handle(self, message: Message) -> None:
        header, gateway = message.header, self.gateway
        gateway.stats.messages += 1
        handler = _HANDLERS.get(header.msg_id)
        if handler is None:
            if header.msg_id != m.TERMINAL_ANSWER:  # a terminal's answer is not answered
                self.answer(message, m.Result.NOT_SUPPORTED)
            return
        try:
            await handler(self, message)
        except FrameError as error:
            gateway.stats.malformed += 1
            log.warning("%s: message 0x%04X malformed: %s", self.peer, header.msg_id, error)
            self.answer(message, m.Result.MESSAGE_ERROR)
        except Exception:  # the database away: the terminal is told and tries again, the connection stays
            log.exception("%s: message 0x%04X of %s failed", self.peer, header.msg_id, header.phone)
            self.answer(message, m.Result.FAILURE)

    async def register(self, message: Message) -> None:
        header = message.header
        registration = m.decode_registration(message.body, header.edition)
        result, code = await self.gateway.backend.call(self.gateway.services.register, header.phone, registration,
                                                       header.edition)
        if result is not m.RegisterResult.SUCCESS:
            log.info("%s: terminal %s refused registration (%s)", self.peer, header.phone, result.name)
        self.send(m.REGISTER_ANSWER, header.phone, m.register_answer(header.serial, result, code), header.version)

    async def authenticate(self, message: Message) -> None:
        header = message.header
        auth = m.decode_authentication(message.body, header.edition)
        who = await self.gateway.backend.call(self.gateway.services.authenticate, header.phone, auth.code,
                                              header.edition, self.peer) if auth.code else None
        if who is None:
            log.info("%s: terminal %s failed authentication", self.peer, header.phone)
            self.answer(message, m.Result.FAILURE)
            return
        if self.who is not None and self.who.terminal_id != who.terminal_id:
            self.gateway.forget(self)
        self.who = who
        self.gateway.online[who.terminal_id] = self
        self.answer(message, m.Result.SUCCESS)

    async def heartbeat(self, message: Message) -> None:
        if self.who is None:
            self.gateway.stats.unauthenticated += 1
            self.answer(message, m.Result.FAILURE)
            return
        self.gateway.batcher.add(self.who, message.header.msg_id, self.gateway.now(), [])
        self.answer(message, m.Result.SUCCESS)

    async def logout(self, message: Message) -> None:
        if self.who is not None:
            await self.gateway.backend.call(self.gateway.services.deregister, self.who.terminal_id)
            self.gateway.forget(self)
            self.who = None
        self.answer(message, m.Result.SUCCESS)

    async def location(self, message: Message) -> None:
        header = message.header
        if header.msg_id == m.LOCATION:
            locations = [m.decode_location(message.body)]
        else:
            _, locations = m.decode_batch(message.body)
        if self.who is None:  # nothing is kept before authentication
            self.gateway.stats.unauthenticated += 1
            self.answer(message, m.Result.FAILURE)
            return
        since = asyncio.get_running_loop().time()
        self.gateway.stats.positions += len(locations)
        await self.gateway.batcher.room()  # back-pressure: this connection reads nothing more meanwhile
        self.gateway.batcher.add(self.who, header.msg_id, self.gateway.now(), locations)
        self.answer(message, m.Result.SUCCESS)  # queued: the answer does not wait for the database
        latencies = self.gateway.stats.ack_latency
        if len(latencies) < 1_000_000:  # cleared at each log line
            latencies.append(asyncio.get_running_loop().time() - since)


_HANDLERS: dict[int, Callable[[Connection, Message], Any]] = {
    m.REGISTER: Connection.register, m.AUTHENTICATE: Connection.authenticate, m.HEARTBEAT: Connection.heartbeat,
    m.LOGOUT: Connection.logout, m.LOCATION: Connection.location, m.BATCH: Connection.location,
}


@dataclass(frozen=True)
class Services:
    """The service functions the gateway calls (each takes the session first)."""

    register: Callable[..., Any]
    authenticate: Callable[..., Any]
    deregister: Callable[..., Any]
    disconnected: Callable[..., Any]
    disconnect_all: Callable[..., Any]
    store: Callable[..., Any]

    @classmethod
    def default(cls) -> Services:
        from app.services import terminal_feed, terminals

        return cls(terminals.register, terminals.authenticate, terminals.deregister, terminals.disconnected,
                   terminals.disconnect_all, terminal_feed.store_activity)


class Gateway:
    """The server: its connections, the batcher, the counters."""

    def __init__(self, backend: Backend, *, interval: float = 0.5, services: Services | None = None,
                 log_every: float = 60.0, queue: int = QUEUE_LIMIT):
        self.backend, self.services = backend, services or Services.default()
        self.stats = Stats()
        self.batcher = Batcher(backend, self.services.store, interval, self.stats, limit=queue)
        self.connections: set[Connection] = set()
        self.online: dict[str, Connection] = {}
        self.stopping = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._log_every = log_every

    @staticmethod
    def now() -> dt.datetime:
        return utcnow()

    def forget(self, connection: Connection) -> None:
        """The connection's terminal is no longer online through it."""
        who = connection.who
        if who is not None and self.online.get(who.terminal_id) is connection:
            del self.online[who.terminal_id]

    async def start(self, host: str, port: int, sock: socket.socket | None = None) -> tuple[str, int]:
        """Listen on *host*:*port* (port 0 picks a free one), or on *sock*, a socket already listening, then as
        one of several workers (:mod:`app.gateway.workers`: the parent has marked the terminals disconnected);
        the address bound."""
        if sock is None:
            await self.backend.call(self.services.disconnect_all)
            self._server = await asyncio.start_server(self._accept, host, port, limit=READ_SIZE, backlog=4096)
        else:
            self._server = await asyncio.start_server(self._accept, sock=sock, limit=READ_SIZE, backlog=4096)
        for coroutine in (self.batcher.run(self.stopping), self._log_counters()):
            task = asyncio.create_task(coroutine)
            self._tasks.add(task)
        address = self._server.sockets[0].getsockname()
        log.info("JT/T 808 gateway listening on %s:%s", address[0], address[1])
        return address[0], address[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        self.stats.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await connection.serve()
        except asyncio.CancelledError:  # stopping: what was read is answered by stop()
            pass
        finally:
            if not self.stopping.is_set():  # else stop() closes every connection
                self.connections.discard(connection)
                await self._close(connection)
            if task is not None:  # only now: stop() waits for the tasks it finds
                self._tasks.discard(task)

    async def _close(self, connection: Connection) -> None:
        who = connection.who
        self.forget(connection)
        if who is not None and who.terminal_id not in self.online:
            with contextlib.suppress(Exception):
                await self.backend.call(self.services.disconnected, [who.terminal_id])
        await _closed(connection.writer)

    async def _log_counters(self) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self._log_every)
            s = self.stats
            answers, stored = _p95_ms(s.ack_latency), _p95_ms(s.store_lag)
            s.ack_latency, s.store_lag = [], []
            log.info("gateway: %d connected, %d connections, %d messages, %d positions, %d stored on trips, "
                     "%d kept for vehicles, %d queued, %d malformed, %d unauthenticated, %d batches (%.0f ms each), "
                     "%d failed, %d positions lost; location answers p95 %.0f ms, stored p95 %.0f ms after",
                     len(self.connections), s.connections, s.messages, s.positions, s.stored, s.kept_for_vehicle,
                     self.batcher.queued, s.malformed, s.unauthenticated, s.batches,
                     1000 * s.batch_seconds / max(s.batches, 1), s.failed_batches, s.lost, answers, stored)

    async def stop(self) -> None:
        """Stop gracefully: no new connection, no more reading; store and answer what was read; close."""
        if self._server is not None:
            self._server.close()
        connections = list(self.connections)
        for connection in connections:  # stop reading: feed_eof ends each read loop after its current frame
            connection.reader.feed_eof()
        self.stopping.set()
        self.batcher.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        queued = self.batcher.queued
        if not await self.batcher.drain():
            log.error("gateway stopping: %d positions answered but not stored (the database is unreachable)",
                      self.batcher.queued)
        elif queued:
            log.info("gateway stopped: the %d positions queued at the stop are stored", queued)
        online = [c.who.terminal_id for c in connections if c.who is not None]
        with contextlib.suppress(Exception):
            await self.backend.call(self.services.disconnected, online)
        await asyncio.gather(*(_closed(c.writer) for c in connections))
        if self._server is not None:
            await self._server.wait_closed()


def _p95_ms(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else 0.0


async def _closed(writer: asyncio.StreamWriter) -> None:
    """Send what is left to send, then close (a peer already gone is not an error)."""
    with contextlib.suppress(Exception):
        await writer.drain()
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


async def serve_forever(gateway: Gateway, host: str, port: int, ready: Callable[[str, int], None] | None = None,
                        sock: socket.socket | None = None) -> None:
    """Run *gateway* (on *sock* when given, see :meth:`Gateway.start`) until SIGINT or SIGTERM, then stop it
    gracefully."""
    address = await gateway.start(host, port, sock)
    if ready is not None:
        ready(*address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("gateway stopping: answering what was read")
    await gateway.stop()
