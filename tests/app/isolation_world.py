"""The world of the isolation tests: the demo's four firms with every kind of record the API and the pages
show (the demo, its trip's alerts, and what the demo lacks: an incident, a pending transfer, a terminal, a ledger
checkpoint), and an outsider enterprise that is a party of none of them, with a record of each kind of its own."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.users import set_password
from models import (
    Account, Alert, Batch, Checkpoint, Consignment, Corridor, Enterprise, Incident, LedgerEntry, PendingTransfer, Permit,
    Person, Role, Site, SpillKind, Terminal, User, Vehicle, WasteManifest, Waybill, Zone,
)
from models.types import utcnow
from tests.factories import make_enterprise, make_person, make_site, make_user, make_vehicle
from tests.web.world import load_world

PASSWORD = "outsider password"


@dataclass
class World:
    """The demo firms' records by kind, and the outsider's user and token."""

    story: dict[str, object]
    outsider: Enterprise
    outsider_user: User
    outsider_token: str
    #: kind -> the demo firms' ids (texts) of that kind
    ids: dict[str, list[str]] = field(default_factory=dict)
    #: texts of the demo firms' records that must never reach the outsider (ids, codes, numbers, plates, names)
    secrets: set[str] = field(default_factory=set)
    #: what the directory of counterparties shows of every active enterprise: its and its active sites' ids, names
    directory_texts: set[str] = field(default_factory=set)


def _extras(session: Session, story: dict[str, object]) -> None:
    """The records the demo does not make: an incident on its trip, an offered transfer, a terminal, a checkpoint."""
    trip = session.get(Waybill, uuid.UUID(str(story["trip"])))
    session.add(Incident(waybill_id=trip.id, carrier_id=trip.carrier_id, spill=SpillKind.LEAK_SMALL, lon=121.4, lat=31.2,
                         location_source="reported", night=False, zones={"type": "FeatureCollection", "features": []},
                         note="isolation test"))
    entry = session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)).first()
    batch = session.get(Batch, entry.batch_id)
    sender = session.get(Enterprise, batch.producer_id)
    own_site, other_site = (session.scalars(select(Site).where(Site.enterprise_id == sender.id)).first(),
                            session.scalars(select(Site).where(Site.enterprise_id != sender.id)).first())
    offered_by = session.scalars(select(User).where(User.enterprise_id == sender.id)).first()
    session.add(PendingTransfer(batch_id=batch.id, quantity=Decimal("1"), from_site_id=own_site.id,
                                to_site_id=other_site.id, sender_id=sender.id, receiver_id=other_site.enterprise_id,
                                occurred_at=utcnow(), offered_by=offered_by.id, offered_at=utcnow()))
    vehicle = session.scalars(select(Vehicle)).first()
    session.add(Terminal(terminal_id=vehicle.gps_terminal_id or "013900000001", vehicle_id=vehicle.id, auth_code="AUTH", edition=2019))
    session.add(Checkpoint(first_sequence=1, last_sequence=entry.sequence, merkle_root="0" * 64, key_id="0" * 16,
                           public_key="0" * 64, signature="0" * 128, created_at=utcnow()))
    # A firm that has closed: its site stays registered (and active), but it leaves the directory.
    make_site(session, make_enterprise(session, name="已注销化工有限公司", active=False), name="已注销厂区")
    session.flush()


#: kind -> the statement of the demo firms' ids of that kind (texts are compared in responses)
KINDS = {
    "waybill": select(Waybill.id), "alert": select(Alert.id), "consignment": select(Consignment.id),
    "incident": select(Incident.id), "transfer": select(PendingTransfer.id), "manifest": select(WasteManifest.id),
    "entry": select(LedgerEntry.id), "batch": select(Batch.code), "terminal": select(Terminal.terminal_id),
    "site": select(Site.id), "vehicle": select(Vehicle.id), "person": select(Person.id), "permit": select(Permit.id),
    "enterprise": select(Enterprise.id), "user": select(User.id), "account": select(Account.id),
    "waybill_number": select(Waybill.number),
}
#: Texts of the firms' records besides their ids: what would tell the outsider of them.
SECRET_TEXTS = (select(Waybill.number), select(Consignment.number), select(WasteManifest.number),
                select(Vehicle.plate), select(Person.name), select(Person.certificate_number), select(Site.name),
                select(Permit.number))


def build_world(session: Session) -> World:
    story = load_world(session)
    _extras(session, story)
    ids = {kind: [str(v) for v in session.scalars(stmt)] for kind, stmt in KINDS.items()}
    secrets = {v for values in ids.values() for v in values}
    for stmt in SECRET_TEXTS:
        secrets.update(str(v) for v in session.scalars(stmt) if v)
    # What the directory of counterparties shows every role: the active enterprises and their active sites.
    listed = (select(Enterprise.id, Enterprise.name).where(Enterprise.active),
              select(Site.id, Site.name).join(Enterprise, Site.enterprise_id == Enterprise.id)
              .where(Enterprise.active, Site.active))
    directory = {str(v) for stmt in listed for row in session.execute(stmt) for v in row}
    # Shared by everyone: the directory (counterparties) names every active enterprise and site; users are
    # never listed to a firm at all. Their ids are still checked on every read of a record.
    outsider = make_enterprise(session, roles=["producer", "carrier", "consignee"])
    user, token = make_user(session, Role.ENTERPRISE, enterprise=outsider)
    set_password(session, user, PASSWORD)
    own_site = make_site(session, outsider)
    make_vehicle(session, outsider, gps_terminal_id="013987654321")
    make_person(session, outsider)
    assert own_site.id  # the outsider has records of its own, so its lists are not trivially empty
    return World(story, outsider, user, token, ids, secrets, directory)


#: Shared reference records: every role reads them by design (the authority's corridors and zones).
SHARED = {"corridor": select(Corridor.id), "zone": select(Zone.id)}
