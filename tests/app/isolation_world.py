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

from app.services.ledger import lifecycle
from app.services.ledger.posting import Actor
from app.services.users import set_password
from models import (
    Account, Alert, Batch, Checkpoint, Consignment, Corridor, Enterprise, EntryKind, Incident, LedgerEntry,
    PendingTransfer, Permit, PermitKind, Person, Role, Site, SpillKind, Terminal, User, Vehicle, WasteManifest,
    WasteTransferApproval, Waybill, Zone,
)
from models.types import utcnow
from tests.factories import make_enterprise, make_person, make_site, make_user, make_vehicle
from tests.app.ledger.conftest import grant_permits
from tests.web.world import load_world

PASSWORD = "outsider password"


@dataclass
class World:
    """The demo firms' records by kind, and the outsider's user and token."""

    story: dict[str, object]
    outsider: Enterprise
    outsider_user: User
    outsider_token: str
    #: the outsider's own records, by kind (as ``ids``): what a write of its own names
    own: dict[str, str] = field(default_factory=dict)
    #: kind -> the demo firms' ids (texts) of that kind
    ids: dict[str, list[str]] = field(default_factory=dict)
    #: texts of the demo firms' records that must never reach the outsider (ids, codes, numbers, plates, names)
    secrets: set[str] = field(default_factory=set)
    #: what the directory of counterparties shows of every active enterprise: its and its active sites' ids, names
    directory_texts: set[str] = field(default_factory=set)


def _extras(session: Session, story: dict[str, object]) -> None:
    """The records the demo does not make: an incident on its trip, an offered transfer, a terminal, a checkpoint."""
    trip = session.get(Waybill, uuid.UUID(str(story["trip"])))
    session.add(Incident(waybill_id=trip.id, carrier_id=trip.carrier_id, spill=SpillKind.LEAK_SMALL, lon=121.4,
                         lat=31.2, location_source="reported", night=False, note="isolation test",
                         zones={"type": "FeatureCollection", "features": []}))
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
    session.add(Terminal(terminal_id=vehicle.gps_terminal_id or "013900000001", vehicle_id=vehicle.id,
                         auth_code="AUTH", edition=2019))
    session.add(Checkpoint(first_sequence=1, last_sequence=entry.sequence, merkle_root="0" * 64, key_id="0" * 16,
                           public_key="0" * 64, signature="0" * 128, created_at=utcnow()))
    manifest = session.scalars(select(WasteManifest)).first()
    session.add(WasteTransferApproval(
        number="苏环危转〔2026〕9001", origin_province="32", destination_province="33",
        generator_id=manifest.generator_id, disposer_id=manifest.disposer_id, disposal_method="D10",
        wastes={"900-404-06": "1000.000"}, valid_from=dt.date.today(), valid_to=dt.date.today(),
        recorded_by=offered_by.id))
    # A firm that has closed: its site stays registered (and active), but it leaves the directory.
    make_site(session, make_enterprise(session, name="已注销化工有限公司", active=False), name="已注销厂区")
    session.flush()


#: kind -> the statement of the demo firms' ids of that kind (texts are compared in responses)
KINDS = {
    "waybill": select(Waybill.id), "alert": select(Alert.id), "consignment": select(Consignment.id),
    "incident": select(Incident.id), "transfer": select(PendingTransfer.id), "manifest": select(WasteManifest.id),
    "waste_approval": select(WasteTransferApproval.id),
    "entry": select(LedgerEntry.id), "batch": select(Batch.code), "terminal": select(Terminal.terminal_id),
    "site": select(Site.id), "vehicle": select(Vehicle.id), "person": select(Person.id), "permit": select(Permit.id),
    "enterprise": select(Enterprise.id), "user": select(User.id), "account": select(Account.id),
    "waybill_number": select(Waybill.number), "batch_id": select(Batch.id),
    # sites the directory does not list (a closed firm's): not even a transfer may be offered into them
    "unlisted_site": select(Site.id).join(Enterprise, Enterprise.id == Site.enterprise_id).where(~Enterprise.active),
}
#: Texts of the firms' records besides their ids: what would tell the outsider of them.
SECRET_TEXTS = (select(Waybill.number), select(Consignment.number), select(WasteManifest.number),
                select(Vehicle.plate), select(Person.name), select(Person.certificate_number), select(Site.name),
                select(Permit.number), select(WasteTransferApproval.number))


def build_world(session: Session) -> World:
    story = load_world(session)
    _extras(session, story)
    ids = {kind: [str(v) for v in session.scalars(stmt)] for kind, stmt in KINDS.items()}
    secrets = {v for values in ids.values() for v in values}
    for stmt in SECRET_TEXTS:
        secrets.update(str(v) for v in session.scalars(stmt) if v)
    # The firms' USCCs, by which a body may name a lot's producer (not secret: the registry's public key).
    ids["uscc"] = list(session.scalars(select(Enterprise.uscc)))
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
    grant_permits(session, outsider, *PermitKind)
    sites = [make_site(session, outsider), make_site(session, outsider)]
    vehicle = make_vehicle(session, outsider, gps_terminal_id="013987654321")
    person = make_person(session, outsider)
    chemical = session.scalars(select(Batch.chemical_id).limit(1)).one()
    [entry] = lifecycle.introduce(session, Actor(user.id, outsider.id), kind=EntryKind.PRODUCE, code="OUT-LOT-1",
                                  chemical_id=chemical, site_id=sites[0].id, quantity=Decimal("500"),
                                  occurred_at=utcnow() - dt.timedelta(hours=2))
    own = {"site": str(sites[0].id), "other_site": str(sites[1].id), "vehicle": str(vehicle.id),
           "person": str(person.id), "batch": "OUT-LOT-1", "batch_id": str(entry.batch_id),
           "chemical": str(chemical), "enterprise": str(outsider.id), "uscc": outsider.uscc}
    # A partner in the directory (a demo firm's active site) and the demo's carrier: named by right in an offer,
    # a consignment list or a waybill.
    partner = session.scalars(select(Site).join(Enterprise, Enterprise.id == Site.enterprise_id).where(
        Enterprise.active, Site.active, Site.enterprise_id != outsider.id).order_by(Site.name)).first()
    carrier = session.scalars(select(Vehicle.carrier_id).where(Vehicle.carrier_id != outsider.id)).first()
    own |= {"partner": str(partner.enterprise_id), "partner_site": str(partner.id), "carrier": str(carrier)}
    return World(story, outsider, user, token, own, ids, secrets, directory)


#: Shared reference records: every role reads them by design (the authority's corridors and zones).
SHARED = {"corridor": select(Corridor.id), "zone": select(Zone.id)}
