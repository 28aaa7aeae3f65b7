"""JT/T 808 terminals: registration, authentication, connection state, and who may see which.

Only a terminal number registered on an active vehicle of the registry may register (JT/T 808-2013 §8.6: the
platform answers 0x8100 with result 4, "数据库中无该终端", otherwise). Registering issues a fresh
authentication code; the terminal then authenticates with it on every connection (§8.8) and nothing it sends
is kept before that. A terminal number is matched with its padding zeros ignored: a 2019 header carries it in
20 digits, a 2013 one in 12, the registry as the carrier typed it.
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.gateway.messages import RegisterResult, Registration
from app.i18n import Text
from app.services import unit_of_work
from models import Role, Terminal, User, Vehicle
from models.types import utcnow


@dataclass(frozen=True)
class Authenticated:
    """A terminal that authenticated: its number as the registry holds it, and its vehicle."""

    terminal_id: str
    vehicle_id: uuid.UUID


def _vehicle_of(session: Session, phone: str) -> Vehicle | None:
    """The active vehicle whose terminal number is *phone*, padding zeros aside (the number as typed, with
    each count of leading zeros up to the 2019 header's 20 digits: an index lookup, not a scan)."""
    digits = phone.lstrip("0")
    if not digits or len(digits) > 20:
        return None
    spellings = [digits.zfill(width) for width in range(len(digits), 21)]
    return session.scalars(select(Vehicle).where(Vehicle.active.is_(True), Vehicle.gps_terminal_id.in_(spellings))
                           .order_by(Vehicle.created_at).limit(1)).first()


def register(session: Session, phone: str, registration: Registration, edition: int) -> tuple[RegisterResult, str]:
    """Register the terminal *phone* (0x0100): the result and, on success, its new authentication code."""
    with unit_of_work(session):
        vehicle = _vehicle_of(session, phone)
        if vehicle is None or vehicle.gps_terminal_id is None:
            return RegisterResult.NO_TERMINAL, ""
        code = secrets.token_hex(8)
        terminal = session.get(Terminal, vehicle.gps_terminal_id)
        if terminal is None:
            terminal = Terminal(terminal_id=vehicle.gps_terminal_id, alarm_flags=0, alarm_since={}, messages=0)
            session.add(terminal)
        terminal.vehicle_id, terminal.auth_code, terminal.edition = vehicle.id, code, edition
        terminal.device_id = registration.device_id[:40] or None
        terminal.model = registration.model[:40] or None
        terminal.registered_at = utcnow()
    return RegisterResult.SUCCESS, code


def authenticate(session: Session, phone: str, code: str, edition: int, peer: str) -> Authenticated | None:
    """Check the code of terminal *phone* (0x0102); on success mark it connected from *peer*."""
    with unit_of_work(session):
        vehicle = _vehicle_of(session, phone)
        terminal = session.get(Terminal, vehicle.gps_terminal_id) if vehicle and vehicle.gps_terminal_id else None
        if terminal is None or terminal.vehicle_id != vehicle.id or not hmac.compare_digest(
                terminal.auth_code.encode(), code.encode()):
            return None
        now = utcnow()
        terminal.connected, terminal.peer, terminal.edition = True, peer[:64], edition
        terminal.authenticated_at = terminal.last_message_at = now
        terminal.last_message_id = 0x0102
        terminal.messages += 1
        return Authenticated(terminal.terminal_id, vehicle.id)


def deregister(session: Session, terminal_id: str) -> None:
    """The terminal deregistered (0x0003, 终端注销): its code no longer authenticates; it must register again."""
    with unit_of_work(session):
        session.execute(update(Terminal).where(Terminal.terminal_id == terminal_id).values(
            auth_code=secrets.token_hex(20), connected=False, peer=None, disconnected_at=utcnow()))


def disconnected(session: Session, terminal_ids: list[str], at: dt.datetime | None = None) -> None:
    """The connections of these terminals closed (logout, the socket, the gateway stopping)."""
    if not terminal_ids:
        return
    with unit_of_work(session):
        session.execute(update(Terminal).where(Terminal.terminal_id.in_(terminal_ids))
                        .values(connected=False, peer=None, disconnected_at=at or utcnow()))


def disconnect_all(session: Session) -> int:
    """At the gateway's start: no terminal is connected to a gateway that was not running (one per database)."""
    with unit_of_work(session):
        return session.execute(update(Terminal).where(Terminal.connected.is_(True))
                               .values(connected=False, peer=None, disconnected_at=utcnow())).rowcount


def visible_terminals(user: User, connected: bool | None = None) -> Select[tuple[Terminal]]:
    """The terminals *user* may see (each with its vehicle): the authorities all, a carrier its own vehicles'."""
    query = select(Terminal).join(Vehicle, Vehicle.id == Terminal.vehicle_id)
    if user.role is Role.ENTERPRISE:
        query = query.where(Vehicle.carrier_id == user.enterprise_id)
    if connected is not None:
        query = query.where(Terminal.connected.is_(connected))
    return query.order_by(Terminal.terminal_id)


def get_terminal(session: Session, user: User, terminal_id: str) -> Terminal:
    """One terminal *user* may see; 404 for another carrier's, as for one that does not exist."""
    terminal = session.scalars(visible_terminals(user).where(Terminal.terminal_id == terminal_id)).first()
    if terminal is None:
        raise NotFound(Text("No terminal {terminal_id}.", terminal_id=terminal_id))
    return terminal


def terminal_json(terminal: Terminal) -> dict[str, Any]:
    """A terminal as the API shows it (never its authentication code)."""
    vehicle = terminal.vehicle
    return {"terminal": terminal.terminal_id, "vehicle_id": vehicle.id, "plate": vehicle.plate,
            "carrier_id": vehicle.carrier_id, "connected": terminal.connected, "edition": terminal.edition,
            "peer": terminal.peer, "model": terminal.model, "registered_at": terminal.registered_at,
            "authenticated_at": terminal.authenticated_at, "disconnected_at": terminal.disconnected_at,
            "last_message_at": terminal.last_message_at,
            "last_message_id": None if terminal.last_message_id is None else f"0x{terminal.last_message_id:04X}",
            "last_fix_at": terminal.last_fix_at, "last_position": terminal.last_position,
            "messages": terminal.messages}
