"""E-waybill use cases: drafts, submission with every check, approval, departure and arrival with postings."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, inspect, literal, select, union_all
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, Text
from app.services import idempotency, monitoring, unit_of_work
from app.services.ledger.accounts import boundary_account, site_account, transit_account
from app.services.ledger.posting import Actor, Leg, ledger_transaction, record
from app.services.consignments import waybill_from
from app.services.ledger.queries import known_to
from app.services.party_names import party_name
from app.services.waste.status import waybill_departed
from app.services.waybills import named
from app.services.waybills.documents import new_waybill_number
from app.services.waybills.listing import party_to
from app.services.waybills.records import ChemicalRecord, chemicals_of
from app.services.waybills.status import EDITABLE, check_transition, transition
from app.services.waybills.passes import check_grantor, pass_reasons
from app.services.waybills.submission import SNAPSHOT, checked, record_submission, snapshot
from app.services.waybills.trips import check_free
from models import Boundary, Corridor, Enterprise, EntryKind, Person, Role, Site, User, Vehicle
from models.types import utcnow
from models.waybills import Waybill, WaybillEvent, WaybillLine, WaybillStatus as S, WaybillVersion

CONTENT = ("vehicle_id", "trailer_id", "driver_id", "escort_id", "loading_site_id", "unloading_site_id",
           "departure_earliest", "departure_latest", "emergency_contact", "shared_trip", "shipper_contact",
           "consignee_contact", "loader_name", "loader_contact", "vehicle_plate_colour",
           "vehicle_transport_certificate", "trailer_plate_colour", "trailer_transport_certificate", "tank_number",
           "tank_capacity_m3", "tank_inspection_valid_until", "driver_phone", "escort_phone", "dispatcher",
           "dispatched_on", "waste_manifest_number")
#: Who makes and keeps the waybill: the carrier (Order 29 Art. 24), or the shipper that drafts it for them.
MAKERS = ("carrier", "shipper")
LINE_FIELDS = ("batch_id", "quantity_kg", "packaging_kind", "packaging_count", "entry_id")


def _one_waybill(*conditions: ColumnElement[bool]) -> Select[tuple[Waybill]]:
    """One waybill with its versions and their lines (joined: one row per line) in one statement, built once
    and bound per call; the events come by their own statement (joined too, they would multiply the rows)."""
    return select(Waybill).where(Waybill.id == bindparam("waybill_id"), *conditions).options(
        joinedload(Waybill.versions).joinedload(WaybillVersion.lines))


_ONE = _one_waybill()
_ONE_OF_PARTY = _one_waybill(party_to(bindparam("enterprise_id")))
_EVENTS = select(WaybillEvent).where(WaybillEvent.waybill_id == bindparam("waybill_id")).order_by(WaybillEvent.at)


def get_waybill(session: Session, user: User, waybill_id: uuid.UUID) -> Waybill:
    """The waybill if *user* may see it (as :func:`~.listing.visible_waybills`), with every version, line and
    event."""
    params = {"waybill_id": waybill_id, "enterprise_id": user.enterprise_id}
    waybill = session.scalars(_ONE_OF_PARTY if user.role is Role.ENTERPRISE else _ONE, params).unique().one_or_none()
    if waybill is None:
        raise NotFound(Text("No waybill {id}.", id=waybill_id))
    if "events" not in inspect(waybill).dict:  # not yet loaded in this session
        set_committed_value(waybill, "events", list(session.scalars(_EVENTS, params)))
    return waybill


def _as_party(user: User, waybill: Waybill, *parties: str) -> None:
    """Only one of the named parties (or an administrator) may do this; the caller already sees the waybill."""
    if user.role is Role.ADMIN:
        return
    if user.role is not Role.ENTERPRISE or user.enterprise_id not in {getattr(waybill, f"{p}_id") for p in parties}:
        names = [party_name(party) for party in parties]  # one or two (MAKERS)
        raise PermissionDenied(Text("Only the {party} may do this.", party=names[0]) if len(names) == 1 else
                               Text("Only the {party} or the {other} may do this.", party=names[0], other=names[1]))


def _move(session: Session, waybill: Waybill, target: S, user: User, reason: str | None = None) -> None:
    waybill.events.append(transition(waybill, target, user.id, reason))
    waybill.status = target


def _fill(version: WaybillVersion, data: dict[str, Any], chemicals: dict[uuid.UUID, ChemicalRecord]) -> None:
    """Write *data* into *version*; new lines take their batch's catalogue snapshot from *chemicals* (a draft
    reads as its document will, and a submission rewrites only what the catalogue changed since)."""
    for name in CONTENT:
        if name in data:
            setattr(version, name, data[name])
    if "lines" in data:
        # A line number keeps its row, rewritten: replacing the rows would insert the new ones before deleting
        # the old (the unit of work's order) and trip the unique (version, line number) constraint.
        kept = {line.line_no: line for line in version.lines}
        lines = []
        for n, given in enumerate(data["lines"], start=1):
            line = kept.get(n) or WaybillLine(line_no=n)
            facts = snapshot(chemicals[given["batch_id"]]) if given.get("batch_id") else dict.fromkeys(SNAPSHOT)
            for name, value in {**{k: given.get(k) for k in LINE_FIELDS}, **facts}.items():
                setattr(line, name, value)
            lines.append(line)
        version.lines = lines


#: Which party each referenced record must belong to: (field, model, owner column, party).
REFERENCES = (
    ("vehicle_id", Vehicle, "carrier_id", "carrier"), ("trailer_id", Vehicle, "carrier_id", "carrier"),
    ("driver_id", Person, "employer_id", "carrier"), ("escort_id", Person, "employer_id", "carrier"),
    ("loading_site_id", Site, "enterprise_id", "shipper"), ("unloading_site_id", Site, "enterprise_id", "consignee"),
)
#: For each table a waybill refers to: the column saying whose the record is (an enterprise is its own; a
#: corridor is anyone's, if active).
OWNERS = {**{model: getattr(model, owner) for _field, model, owner, _party in REFERENCES},
          Enterprise: Enterprise.id, Corridor: Corridor.id}


def _references_statement() -> CompoundSelect:
    """(table, id, owner) of each record named, bound by table name: one statement for every reference."""
    def named(model: type, owner: ColumnElement[uuid.UUID]) -> Select[Any]:
        stmt = select(literal(model.__tablename__), model.id, owner).where(
            model.id.in_(bindparam(model.__tablename__, expanding=True)))
        return stmt.where(Corridor.active) if model is Corridor else stmt

    return union_all(*(named(model, owner) for model, owner in OWNERS.items()))


_REFERENCES = _references_statement()


def _check_references(session: Session, parties: dict[str, uuid.UUID],
                      data: dict[str, Any]) -> dict[uuid.UUID, ChemicalRecord]:
    """A referenced record that does not exist, or is not the right party's, is a 404 (as if unknown);
    returns the chemical of each batch the lines name."""
    named = {model.__tablename__: set() for model in OWNERS}
    for name, model, _owner, _party in REFERENCES:
        if data.get(name):
            named[model.__tablename__].add(data[name])
    named[Enterprise.__tablename__].update(parties.values())
    if data.get("corridor_id"):
        named[Corridor.__tablename__].add(data["corridor_id"])
    owners = {(table, record_id): owner for table, record_id, owner in session.execute(
        _REFERENCES, {table: list(ids) for table, ids in named.items()})}
    missing: dict[str, list[str]] = {}
    for name, model, _owner, party in REFERENCES:
        if data.get(name) and owners.get((model.__tablename__, data[name])) != parties[party]:
            missing[name] = [f"no such {model.__name__.lower()} of the {party}"]
    batch_ids = {line["batch_id"] for line in data.get("lines") or [] if line.get("batch_id")}
    known = chemicals_of(session, batch_ids, known_to(parties["shipper"])) if batch_ids else {}
    for index, line in enumerate(data.get("lines") or []):
        if line.get("batch_id") and line["batch_id"] not in known:
            missing[f"lines.{index}.batch_id"] = [N_("no such batch of the shipper")]
    for party, party_id in parties.items():
        if (Enterprise.__tablename__, party_id) not in owners:
            missing[f"{party}_id"] = [N_("no such enterprise")]
    if data.get("corridor_id") and (Corridor.__tablename__, data["corridor_id"]) not in owners:
        missing["corridor_id"] = [N_("no such active corridor")]
    if missing:
        raise NotFound("The waybill refers to records that do not exist (or are not the parties').", errors=missing)
    return known


def _named_by_text(session: Session, carrier_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    """*data* with the vehicle and crew it names by plate or certificate number (what the carrier told the
    shipper, see :mod:`.named`) replaced by their ids at *carrier_id*; a text that names none, or a record
    named both ways, is a 422 and nothing is written."""
    texts = {name: data[name] for name in named.FIELDS if name in data}
    if not texts:
        return data
    found = named.resolve(session, carrier_id, texts)
    errors = {**found.errors, **{name: [f"give {named.FIELDS[name]} or {name}, not both"]
                                 for name in texts if data.get(named.FIELDS[name])}}
    if errors:
        raise ValidationFailed("The waybill names a vehicle or crew member the carrier does not have.",
                               errors=errors)
    resolved = {name: value for name, value in data.items() if name not in named.FIELDS}
    resolved.update({named.FIELDS[name]: found.ids[named.FIELDS[name]] for name in texts})
    return resolved


def create_draft(session: Session, user: User, data: dict[str, Any], *, key: str | None = None) -> Waybill:
    """Open a draft with its parties fixed for good: the carrier's from the shipper's consignment list it names
    (Order 29 Art. 24), or the shipper's own; the same Idempotency-Key and body return the same draft."""
    replayed = idempotency.replayed_resource(session, user.id, key, data)
    if replayed is not None:
        return get_waybill(session, user, replayed)
    body = data
    if data.get("consignment_id"):
        shipper_id, data = waybill_from(session, user, data)
    else:
        shipper_id = data.get("shipper_id") if user.role is Role.ADMIN else user.enterprise_id
        if shipper_id is None:
            raise ValidationFailed("The shipper is required.",
                                   errors={"shipper_id": [N_("required for an administrator")]})
    data = _named_by_text(session, data["carrier_id"], data)
    chemicals = _check_references(session, {"shipper": shipper_id, "consignee": data["consignee_id"],
                                            "carrier": data["carrier_id"]}, data)
    with unit_of_work(session):
        waybill = Waybill(number=new_waybill_number(dt.date.today()), shipper_id=shipper_id,
                          consignee_id=data["consignee_id"], carrier_id=data["carrier_id"],
                          corridor_id=data.get("corridor_id"), consignment_id=data.get("consignment_id"),
                          created_by=user.id)
        version = WaybillVersion(version=1)
        _fill(version, data, chemicals)
        waybill.versions.append(version)
        waybill.events.append(WaybillEvent(from_status=None, to_status=S.DRAFT, version=1, actor_id=user.id))
        session.add(waybill)
        session.flush()
        idempotency.remember(session, user.id, key, body, waybill.id)
    return waybill


def _fresh(waybill: Waybill, row_version: int | None) -> None:
    """Every state-changing action may say which state it acts on (the ``row_version`` it read, or the
    ``If-Match`` of its ETag): a stale one is a 409 and nothing changes; without one the action acts on the
    waybill as it is (the mapper's version counter still refuses a write that raced another)."""
    if row_version is not None and waybill.row_version != row_version:
        raise Conflict(Text("The waybill changed since you read it (row_version {row_version}, you sent "
                            "{row_version2}); reload and retry.", row_version=waybill.row_version,
                            row_version2=row_version), code="stale_version")


def _for_change(session: Session, user: User, waybill_id: uuid.UUID, seen: int | None,
                *parties: str) -> Waybill:
    """The waybill *user* changes: visible to them, theirs to change as one of *parties*, and as they read it."""
    waybill = get_waybill(session, user, waybill_id)
    if parties:
        _as_party(user, waybill, *parties)
    _fresh(waybill, seen)
    return waybill


def _changed(waybill: Waybill) -> None:
    """Stamp the waybill, which also bumps its row_version (the mapper's version counter)."""
    waybill.updated_at = utcnow()


def _validated(session: Session, waybill: Waybill, version: WaybillVersion) -> S:
    """Run every submission check on *version*; refuse with all errors, or snapshot the lines, warnings and the
    issue's facts; return where the waybill goes: issued, or awaiting its pass."""
    lines, warnings, facts = checked(session, waybill, version)
    for item in lines:
        for name, value in snapshot(item.chemical, item.entry).items():
            setattr(item.line, name, value)
    version.warnings = warnings
    for name, value in facts.items():
        setattr(version, name, value)
    return _pass_or_issue(session, waybill, lines)


def _pass_or_issue(session: Session, waybill: Waybill, lines: list[Any]) -> S:
    """Issued, unless a pass is needed: then awaiting it (a pass granted to an earlier version is void)."""
    if pass_reasons(session, waybill, lines):
        if waybill.pass_number is not None:
            waybill.pass_number = None
        return S.AWAITING_PASS
    return S.ISSUED


def update(session: Session, user: User, waybill_id: uuid.UUID, data: dict[str, Any]) -> Waybill:
    """Edit a draft or rejected waybill in place; a change after issue is a correction: a new version, checked
    again and issued again (or awaiting a new pass). The old version stays readable."""
    waybill = _for_change(session, user, waybill_id, data.pop("row_version", None), *MAKERS)
    data = _named_by_text(session, waybill.carrier_id, data)
    chemicals = _check_references(session, {"shipper": waybill.shipper_id, "consignee": waybill.consignee_id,
                                            "carrier": waybill.carrier_id}, data)
    with unit_of_work(session):
        if waybill.status in EDITABLE:
            _fill(waybill.current, data, chemicals)
        elif waybill.status is S.ISSUED:
            old = waybill.current
            new = WaybillVersion(version=old.version + 1, **{n: getattr(old, n) for n in CONTENT})
            new.lines = [WaybillLine(line_no=line.line_no, **{k: getattr(line, k) for k in LINE_FIELDS})
                         for line in old.lines]
            _fill(new, data, chemicals)
            waybill.versions.append(new)
            waybill.version = new.version
            _move(session, waybill, _validated(session, waybill, new), user, f"correction: version {new.version}")
        else:
            raise Conflict(Text("A waybill in status '{status}' cannot be changed.",
                                status=waybill.status), code="illegal_transition")
        _changed(waybill)
    return waybill


def submit(session: Session, user: User, waybill_id: uuid.UUID, *, row_version: int | None = None,
           key: str | None = None) -> Waybill:
    """Submit: every check runs; the waybill is issued, or awaits its pass (:mod:`.passes`); idempotent under one
    Idempotency-Key."""
    body = {"submit": str(waybill_id), "row_version": row_version}
    replayed = idempotency.replayed_resource(session, user.id, key, body)
    if replayed is not None:
        return get_waybill(session, user, replayed)
    waybill = _for_change(session, user, waybill_id, row_version, *MAKERS)
    check_transition(waybill.status, S.ISSUED)
    with unit_of_work(session):
        lines, warnings, facts = checked(session, waybill, waybill.current)
        target = _pass_or_issue(session, waybill, lines)
        record_submission(session, waybill, user, lines, warnings, target, facts)
        idempotency.remember(session, user.id, key, body, waybill.id)
    return waybill


def grant_pass(session: Session, user: User, waybill_id: uuid.UUID, *, pass_number: str | None,
               reason: str | None = None, corridor_id: uuid.UUID | None = None,
               row_version: int | None = None) -> Waybill:
    """Public security grants the pass a waybill awaits (its number goes on the waybill), optionally naming the
    permitted corridor: the waybill is issued and may depart."""
    waybill = _for_change(session, user, waybill_id, row_version)
    check_grantor(user)
    if waybill.status is not S.AWAITING_PASS:
        raise Conflict(Text("A waybill in status '{status}' awaits no pass: only a waybill whose cargo or "
                            "corridor needs one does.", status=waybill.status), code="illegal_transition")
    if not pass_number:
        raise ValidationFailed("The pass number is required.", errors={"pass_number": [N_("required to grant a pass")]})
    if corridor_id is not None:
        _check_references(session, {}, {"corridor_id": corridor_id})
    with unit_of_work(session):
        if corridor_id is not None:
            waybill.corridor_id = corridor_id
        waybill.pass_number = pass_number
        _move(session, waybill, S.ISSUED, user, reason or f"pass {pass_number} granted")
        _changed(waybill)
    return waybill


def reject(session: Session, user: User, waybill_id: uuid.UUID, *, reason: str | None,
           row_version: int | None = None) -> Waybill:
    """A supervisor flags an issued waybill (or refuses a pass) with a reason: it goes back to its maker to be
    corrected and may not depart meanwhile."""
    waybill = _for_change(session, user, waybill_id, row_version)
    if not reason:
        raise ValidationFailed("A rejection needs a reason.", errors={"reason": [N_("required to reject")]})
    with unit_of_work(session):
        _move(session, waybill, S.REJECTED, user, reason)
        _changed(waybill)
    return waybill


def cancel(session: Session, user: User, waybill_id: uuid.UUID, reason: str, *,
           row_version: int | None = None) -> Waybill:
    waybill = _for_change(session, user, waybill_id, row_version, *MAKERS)
    with unit_of_work(session):
        _move(session, waybill, S.CANCELLED, user, reason)
        _changed(waybill)
    return waybill


def depart(session: Session, user: User, waybill_id: uuid.UUID, at: dt.datetime, *,
           row_version: int | None = None) -> Waybill:
    """The carrier departs: every line is loaded from the shipper's site into the trip's transit account."""
    waybill = _for_change(session, user, waybill_id, row_version, "carrier")
    check_transition(waybill.status, S.IN_TRANSIT)
    version = waybill.current
    check_free(session, waybill, version)
    with ledger_transaction(session):
        source = site_account(session, version.loading_site_id)
        transit = transit_account(session, waybill.carrier_id, waybill.number, waybill_id=waybill.id)
        legs = [Leg(EntryKind.LOAD, line.batch, source, transit, line.quantity_kg) for line in version.lines]
        record(session, Actor(user.id, waybill.shipper_id), legs, occurred_at=at, document_ref=waybill.number)
        _move(session, waybill, S.IN_TRANSIT, user)
        waybill.departed_at = at
        waybill_departed(session, user, waybill, at)
        _changed(waybill)
    return waybill


def arrive(session: Session, user: User, waybill_id: uuid.UUID, at: dt.datetime,
           delivered: dict[int, Decimal], *, row_version: int | None = None) -> Waybill:
    """The carrier arrives: what was delivered goes to the consignee's site, any shortfall to loss."""
    waybill = _for_change(session, user, waybill_id, row_version, "carrier")
    check_transition(waybill.status, S.DELIVERED)
    version = waybill.current
    unknown = sorted(set(delivered) - {line.line_no for line in version.lines})
    if unknown:
        raise ValidationFailed("Unknown lines.", errors={"delivered": [f"no line {n}" for n in unknown]})
    with ledger_transaction(session):
        transit = transit_account(session, waybill.carrier_id, waybill.number, create=False)
        target = site_account(session, version.unloading_site_id)
        loss = boundary_account(session, waybill.carrier_id, Boundary.LOSS)
        legs = []
        for line in version.lines:
            line.delivered_kg = delivered.get(line.line_no, line.quantity_kg)
            if line.delivered_kg > line.quantity_kg or line.delivered_kg < 0:
                raise ValidationFailed("Delivered more than was loaded, or less than nothing.",
                                       errors={f"delivered.{line.line_no}": [Text("must be 0 to {quantity_kg} kg",
                                                                                  quantity_kg=line.quantity_kg)]})
            shortfall = line.quantity_kg - line.delivered_kg
            legs += [Leg(kind, line.batch, transit, account, quantity) for kind, account, quantity in (
                (EntryKind.UNLOAD, target, line.delivered_kg), (EntryKind.LOSS, loss, shortfall)) if quantity > 0]
        record(session, Actor(user.id, waybill.carrier_id), legs, occurred_at=at, document_ref=waybill.number)
        _move(session, waybill, S.DELIVERED, user)
        waybill.delivered_at = at
        monitoring.finish_trip(session, waybill, at)
        _changed(waybill)
    return waybill


def close(session: Session, user: User, waybill_id: uuid.UUID, *, row_version: int | None = None) -> Waybill:
    """The consignee confirms receipt and closes the waybill."""
    waybill = _for_change(session, user, waybill_id, row_version, "consignee")
    with unit_of_work(session):
        _move(session, waybill, S.CLOSED, user)
        _changed(waybill)
    return waybill
