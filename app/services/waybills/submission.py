"""Submitting a waybill: every check, then the change written by statements built once.

Submission is the hot path of the e-waybill API (issue 5: hundreds a second on one worker), and what it writes
is always the same: the waybill's status and row version (only if the row version is still the one read), a
status event, and the lines' catalogue snapshots and the warnings if they changed. Those are Core statements
built once rather than a unit-of-work flush, which would work out the same plan on every request; the loaded
objects then take the written values as their committed state, so the response shows them and the session has
nothing left to write.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import Conflict, ValidationFailed
from app.i18n import Text
from app.services.waybills.checks import LoadedLine, check_submission
from app.services.waybills.kept_warnings import kept
from app.services.waybills.line_entries import LineEntry
from app.services.waybills.records import ChemicalRecord
from app.services.waybills.status import transition
from app.services.permits import PermitTerms
from models import PermitKind, User
from models.types import utcnow
from models.waybills import Waybill, WaybillEvent, WaybillLine, WaybillStatus, WaybillVersion

#: The catalogue facts a line keeps from submission on, so the document reads as it was approved.
SNAPSHOT = ("chemical_id", "un_number", "hazard_class", "proper_shipping_name", "packing_group", "tunnel_code",
            "entry_id", "document_line")
Warnings = list[dict[str, Any]]


def snapshot(chemical: ChemicalRecord, entry: LineEntry | None = None) -> dict[str, Any]:
    """A line's :data:`SNAPSHOT` of *chemical*; with the Table A *entry* it travels under (at submission), the
    entry's packing group, tunnel code and document line (ADR 5.4.1.1.1)."""
    facts = {"chemical_id": chemical.id, "un_number": chemical.un_number, "hazard_class": chemical.hazard_class,
             "proper_shipping_name": chemical.name_en or chemical.name_zh, "packing_group": chemical.packing_group,
             "tunnel_code": chemical.tunnel_code}
    if entry is None:
        return facts
    return {**facts, "hazard_class": entry.entry.hazard_class, "packing_group": entry.entry.packing_group,
            "tunnel_code": entry.entry.tunnel_code or None, "entry_id": entry.entry_id,
            "document_line": entry.document_line}


def checked(session: Session, waybill: Waybill, version: WaybillVersion
            ) -> tuple[list[LoadedLine], Warnings, dict[str, Any]]:
    """Run every submission check on *version*: refuse with all errors at once (422), or return the lines with
    their chemicals, the warnings to keep with the version and the :func:`issue_facts`."""
    found, lines, records = check_submission(session, waybill, version)
    if found.errors:
        count = sum(len(v) for v in found.errors.values())
        raise ValidationFailed(Text("The waybill cannot be submitted: {count} problem(s).",
                                    count=count), errors=dict(found.errors))
    warnings = [kept(f, m) for f, messages in found.warnings.items() for m in messages]
    return lines, warnings, issue_facts(waybill, version, records.permits.get(waybill.carrier_id, []))


_WAYBILLS, _EVENTS, _LINES, _VERSIONS = (model.__table__ for model in (
    Waybill, WaybillEvent, WaybillLine, WaybillVersion))
# A bound parameter may not share a column's name in a SET clause, hence the "new_" names.
_ADVANCE = update(_WAYBILLS).where(
    _WAYBILLS.c.id == bindparam("waybill_id"), _WAYBILLS.c.row_version == bindparam("seen"),
).values(status=bindparam("new_status"), row_version=bindparam("new_row_version"), updated_at=bindparam("at"))
_RECORD_EVENT = insert(_EVENTS)
_SNAPSHOT_LINE = update(_LINES).where(_LINES.c.id == bindparam("line_id")).values(
    {name: bindparam(f"new_{name}") for name in SNAPSHOT})
#: What the version keeps from its issue: the warnings and :func:`issue_facts`.
ISSUE_FACTS = ("carrier_permit_number", "dispatched_on")
_KEEP_ISSUE = update(_VERSIONS).where(_VERSIONS.c.id == bindparam("version_id")).values(
    warnings=bindparam("new_warnings"), **{name: bindparam(f"new_{name}") for name in ISSUE_FACTS})


def issue_facts(waybill: Waybill, version: WaybillVersion, permits: Iterable[PermitTerms]) -> dict[str, Any]:
    """What the document states as of its issue: the carrier's 道路危险货物运输经营许可证 number (of its road
    transport permit valid on the trip date that runs longest, among the carrier's *permits* the checks read;
    they refuse a carrier without one) and the dispatch date (the day of issue unless the carrier gave it)."""
    on = (version.departure_earliest or utcnow()).date()
    valid = [permit for permit in permits if permit.kind == PermitKind.ROAD_TRANSPORT and not permit.revoked
             and permit.valid_from <= on <= permit.valid_to]
    number = max(valid, key=lambda permit: permit.valid_to).number if valid else None
    return {"carrier_permit_number": number, "dispatched_on": version.dispatched_on or utcnow().date()}


def record_submission(session: Session, waybill: Waybill, user: User, lines: list[LoadedLine],
                      warnings: Warnings, target: WaybillStatus, facts: dict[str, Any]) -> None:
    """Write *waybill* as submitted by *user* and now *target* (issued, or awaiting its pass), with its lines'
    snapshots, *warnings* and the issue's *facts* (inside the caller's unit of work); a concurrent change since it
    was read is a 409."""
    event = transition(waybill, target, user.id)
    connection = session.connection()
    advanced = connection.execute(_ADVANCE, {
        "waybill_id": waybill.id, "seen": waybill.row_version, "new_status": event.to_status,
        "new_row_version": waybill.row_version + 1, "at": event.at})
    if advanced.rowcount != 1:
        raise Conflict("The waybill changed while it was being submitted; reload and retry.", code="stale_version")
    connection.execute(_RECORD_EVENT, {column.key: getattr(event, column.key) for column in _EVENTS.columns})
    # A draft's lines took their snapshot when written: only a catalogue change since is written now.
    stale = [(item.line, fresh) for item in lines for fresh in (snapshot(item.chemical, item.entry),)
             if any(getattr(item.line, name) != value for name, value in fresh.items())]
    if stale:
        connection.execute(_SNAPSHOT_LINE, [{"line_id": line.id, **{f"new_{k}": v for k, v in fresh.items()}}
                                            for line, fresh in stale])
    version = waybill.current
    connection.execute(_KEEP_ISSUE, {"version_id": version.id, "new_warnings": warnings,
                                     **{f"new_{name}": value for name, value in facts.items()}})
    _committed(session, waybill, event, stale, {"warnings": warnings, **facts})


def _committed(session: Session, waybill: Waybill, event: WaybillEvent,
               snapshots: list[tuple[WaybillLine, dict[str, Any]]], kept: dict[str, Any]) -> None:
    """Give the loaded objects what was just written, as their committed (not pending) state."""
    for line, fresh in snapshots:
        for name, value in fresh.items():
            set_committed_value(line, name, value)
    for name, value in kept.items():
        set_committed_value(waybill.current, name, value)
    for name, value in (("status", event.to_status), ("row_version", waybill.row_version + 1),
                        ("updated_at", event.at)):
        set_committed_value(waybill, name, value)
    make_transient_to_detached(event)  # it exists now: the session takes it as persistent, never to insert
    session.add(event)
    set_committed_value(waybill, "events", [*waybill.events, event])
