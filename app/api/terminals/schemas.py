"""Terminal payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma

from app.api._query import PagedQuery


class TerminalQuery(PagedQuery):
    connected = ma.fields.Boolean(metadata={"description": "only those connected now (true) or not (false)"})


class TerminalOut(ma.Schema):
    """:func:`app.services.terminals.terminal_json`."""

    terminal = ma.fields.String(metadata={"description": "JT/T 808 terminal phone number, as on the vehicle"})
    vehicle_id = ma.fields.UUID()
    plate = ma.fields.String()
    carrier_id = ma.fields.UUID()
    connected = ma.fields.Boolean()
    edition = ma.fields.Integer(metadata={"description": "JT/T 808 edition of its headers: 2013 or 2019"})
    peer = ma.fields.String(allow_none=True, metadata={"description": "remote address while connected"})
    model = ma.fields.String(allow_none=True)
    registered_at = ma.fields.AwareDateTime()
    authenticated_at = ma.fields.AwareDateTime(allow_none=True)
    disconnected_at = ma.fields.AwareDateTime(allow_none=True)
    last_message_at = ma.fields.AwareDateTime(allow_none=True)
    last_message_id = ma.fields.String(allow_none=True, metadata={"description": "e.g. 0x0200"})
    last_fix_at = ma.fields.AwareDateTime(allow_none=True)
    last_position = ma.fields.Dict(allow_none=True, metadata={
        "description": "the last location report decoded: at, lon, lat, speed_kph, alarms, items"})
    messages = ma.fields.Integer()
