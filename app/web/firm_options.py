"""The choices the firm's forms offer: the firm's own sites, batches, vehicles and crew, and the registered
parties and their sites a waybill may name (the service still refuses any that is not the right party's).
Another carrier's vehicles and crew are never listed: a waybill names them by plate and certificate number."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.services.ledger.queries import visible_batches
from app.services.counterparties import directory_query
from app.web.i18n import Data, label
from models import Batch, Chemical, Enterprise, EnterpriseRole, Person, Site, User, Vehicle, WasteBatch

Options = list[tuple[str, str]]
#: ``(value, label, options)`` of each ``<optgroup>``.
Groups = list[tuple[str, str, Options]]


def _enterprises(*, carriers: bool = False, excluding: Any = None) -> Options:
    """The counterparty directory's enterprises (the API's ``/counterparties``), or its carriers."""
    stmt = directory_query(EnterpriseRole.CARRIER if carriers else None)
    return [(str(e.id), Data(e.name)) for e in db.session.scalars(stmt) if e.id != excluding]


def _sites(owner: Any = None) -> Options:
    stmt = (select(Site.id, Site.name, Enterprise.name).join(Enterprise, Enterprise.id == Site.enterprise_id)
            .where(Site.active).order_by(Enterprise.name, Site.name))
    if owner is not None:
        stmt = stmt.where(Site.enterprise_id == owner)
        return [(str(i), Data(site)) for i, site, _ in db.session.execute(stmt)]
    # Another's sites only as the directory lists them (``/counterparties``): those of active enterprises.
    return [(str(i), Data(f"{site} · {firm}")) for i, site, firm in db.session.execute(stmt.where(Enterprise.active))]


def _batches(known: list[Batch], *, by: str = "id", catalogue: bool = False) -> Options:
    """The batches the user knows (*known*, :func:`_known_lots`), labelled by code and chemical, and by producer
    where lots of several producers it knows share the code (so the user can tell them apart); with *catalogue*,
    by what a consignment list reads from the catalogue for them (UN number, name, class, packing group). By code,
    a shared code is offered once, naming each producer: the form's ``producer`` picks the lot
    (:func:`_producers`)."""
    def described(chemical: Chemical) -> str:
        name = chemical.name_zh or chemical.name_en
        if not catalogue:
            return name
        return (f"UN{chemical.un_number or '—'} {name} · {chemical.hazard_class or '—'}"
                f" · {chemical.packing_group or '—'}")

    def label(lots: list[Batch]) -> Data:
        producers = f" · {' / '.join(b.producer.name for b in lots)}" if lots[0].code in shared else ""
        return Data(f"{lots[0].code} · {described(lots[0].chemical)}{producers}")

    shared = _shared_codes(known)
    if by == "code":
        return [(code, label(lots)) for code, lots in _by_code(known).items()]
    return [(str(b.id), label([b])) for b in known]


def _known_lots(user: User) -> list[Batch]:
    return list(db.session.scalars(visible_batches(user).options(selectinload(Batch.producer)).limit(500)))


def _by_code(lots: list[Batch]) -> dict[str, list[Batch]]:
    grouped: dict[str, list[Batch]] = {}
    for batch in lots:
        grouped.setdefault(batch.code, []).append(batch)
    return grouped


def _shared_codes(lots: list[Batch]) -> set[str]:
    """The codes that lots of several producers among *lots* share."""
    return {code for code, same in _by_code(lots).items() if len({b.producer_id for b in same}) > 1}


def _producers(known: list[Batch]) -> Options:
    """The producers the movement form's ``producer`` offers: those of the lots the user knows (*known*) whose
    code another producer's lot it knows shares, by name and USCC (the API takes the id or the USCC)."""
    shared = _shared_codes(known)
    firms = {b.producer_id: b.producer for b in known if b.code in shared}
    return [(str(i), Data(f"{firm.name} · {firm.uscc}"))
            for i, firm in sorted(firms.items(), key=lambda pair: (pair[1].name, pair[1].uscc))]


def _chemicals() -> Options:
    stmt = (select(Chemical.id, Chemical.un_number, Chemical.name_zh, Chemical.name_en).where(Chemical.active)
            .order_by(Chemical.un_number, Chemical.name_zh).limit(3000))
    return [(str(i), Data(f"UN{un or '—'} {zh or en or ''}")) for i, un, zh, en in db.session.execute(stmt)]


def _site_groups(excluding: Any = None, only: Any = None) -> Groups:
    """The active sites of active enterprises (or of *only*), grouped: ``[(enterprise id, its name, sites)]``."""
    stmt = (select(Site.id, Site.name, Enterprise.id, Enterprise.name)
            .join(Enterprise, Enterprise.id == Site.enterprise_id).where(Site.active)
            .order_by(Enterprise.name, Enterprise.id, Site.name))
    stmt = stmt.where(Enterprise.active) if only is None else stmt.where(Enterprise.id == only)
    groups: dict[Any, tuple[str, str, Options]] = {}
    for site_id, site, firm_id, firm in db.session.execute(stmt):
        if firm_id != excluding:
            groups.setdefault(firm_id, (str(firm_id), firm, []))[2].append((str(site_id), Data(site)))
    return list(groups.values())


def own_fleet(user: User) -> dict[str, Options]:
    """Suggestions for the vehicle and crew fields: only what the user's own enterprise owns and employs (a
    firm that carries its own goods), as ``(plate or certificate number, description)``; never another's."""
    vehicles = db.session.execute(select(Vehicle.plate, Vehicle.kind).where(
        Vehicle.carrier_id == user.enterprise_id, Vehicle.active).order_by(Vehicle.plate))
    crew = db.session.execute(select(Person.certificate_number, Person.name, Person.role).where(
        Person.employer_id == user.enterprise_id, Person.active).order_by(Person.name, Person.certificate_number))
    fleet: dict[str, Options] = {"vehicle_plate": [], "trailer_plate": [], "driver_certificate": [],
                                 "escort_certificate": []}
    for plate, kind in vehicles:
        fleet["trailer_plate" if kind.is_trailer else "vehicle_plate"].append((plate, label("vehicle_kind", kind)))
    for number, name, role in crew:
        fleet[f"{role.value}_certificate"].append((number, f"{name} · {label('crew_role', role)}"))
    return fleet


def waybill_options(user: User, consignee: Any = None, shipper: Any = None,
                    lots: list[Batch] | None = None) -> dict[str, Any]:
    """The waybill form's choices. Vehicles and crew are typed in (plate, certificate number) and looked up at
    the chosen carrier (:mod:`app.services.waybills.named`); only the user's own are suggested. Unloading sites
    are grouped by enterprise (only the *consignee*'s once it is fixed). A carrier completing a shipper's waybill
    is offered the *shipper*'s loading sites and the waybill's own *lots* (the shipper's, which it cannot
    list)."""
    return {"consignee_id": _enterprises(excluding=user.enterprise_id), "carrier_id": _enterprises(carriers=True),
            "loading_site_id": _sites(shipper or user.enterprise_id),
            "batch_id": _batches(_known_lots(user) if lots is None else lots),
            "unloading_site_id": _site_groups(excluding=shipper or user.enterprise_id, only=consignee),
            "suggestions": own_fleet(user)}


def batch_options(user: User) -> dict[str, Options]:
    return {"chemical_id": _chemicals(), "site_id": _sites(user.enterprise_id)}


def movement_options(user: User) -> dict[str, Options]:
    own, known = _sites(user.enterprise_id), _known_lots(user)
    return {"batch": _batches(known, by="code"), "producer": _producers(known), "chemical_id": _chemicals(),
            "site_id": own, "from_site_id": own,
            "to_site_id": _sites(), "carrier_id": _enterprises(carriers=True)}


def consignment_options(user: User) -> dict[str, Any]:
    """The consignment list form's choices: the directory's carriers and enterprises, the shipper's own loading
    sites, the sites to unload at grouped by enterprise, and the shipper's batches with what the list will read
    from the catalogue for each (UN number, name, class, packing group)."""
    return {"consignee_id": _enterprises(excluding=user.enterprise_id), "carrier_id": _enterprises(carriers=True),
            "loading_site_id": _sites(user.enterprise_id), "unloading_site_id": _site_groups(user.enterprise_id),
            "batch_id": _batches(_known_lots(user), catalogue=True)}


def _waste_batches(user: User) -> Options:
    """The generator's waste batches, by code (as a manifest's lines name them), with the waste's category and
    code."""
    stmt = (select(Batch.code, WasteBatch.category, WasteBatch.code).join(WasteBatch, WasteBatch.batch_id == Batch.id)
            .where(Batch.producer_id == user.enterprise_id).order_by(Batch.code).limit(500))
    return [(code, Data(f"{code} · {category} {waste_code}"))
            for code, category, waste_code in db.session.execute(stmt)]


def manifest_options(user: User, waybills: Options, methods: Options) -> dict[str, Any]:
    """The transfer manifest form's choices: the directory's carriers and enterprises, the disposers' sites
    grouped by enterprise, the disposal *methods*, the generator's *waybills* that may carry it and its waste
    batches."""
    return {"carrier_id": _enterprises(carriers=True), "disposer_id": _enterprises(excluding=user.enterprise_id),
            "disposer_site_id": _site_groups(excluding=user.enterprise_id), "disposal_method": methods,
            "waybill_id": waybills, "batch": _waste_batches(user)}
