"""The registry on the pages: enterprises, permits with their validity, sites, vehicles and crew, searched with
the API's own filters (``GET /api/v1/<kind>``: the same query schema, the same scoping, so an enterprise sees only
its own records); and the permit question "may E do A with C on D?" (``GET /api/v1/permits/check``) as a form.

A carrier's fleet and crew are its vehicles and personnel here, with their certificates and expiry dates.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.api.enterprises.schemas import EnterpriseIn, EnterpriseQuery
from app.api.permits.schemas import PermitCheckQuery, PermitIn, PermitQuery
from app.api.personnel.schemas import PersonIn, PersonQuery
from app.api.sites.schemas import SiteQuery
from app.api.vehicles.schemas import VehicleIn, VehicleQuery
from app.auth import scope_to_enterprise
from app.errors import DomainError, PermissionDenied
from app.extensions import db
from app.services import registry
from app.services.enterprises import ENTERPRISES
from app.services.fleet import PERSONNEL, VEHICLES
from app.services.permits import PERMITS, Activity, permit_decision
from app.services.registry import Registry
from app.services.sites import SITES
from app.web.access import EVERYONE, roles, web_user
from app.web.blueprint import bp
from app.web.forms import Errors, load, service_errors, text
from app.web.i18n import Data, label, translate
from app.web.waybills import names_of
from models import Chemical, CrewRole, Enterprise, EnterpriseRole, PermitKind, Role, SiteKind, VehicleKind

SHOWN = 200
#: A certificate or inspection that ends within this many days is flagged, so it is renewed in time.
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Kind:
    """One registry on the pages: its records, the API's query schema, the filters the form offers (name →
    enumeration label group, or ``None`` for text) and the column of each record's owner."""

    reg: Registry[Any]
    query: type[ma.Schema]
    filters: dict[str, str | None]
    owner: str | None


KINDS = {
    "enterprises": Kind(ENTERPRISES, EnterpriseQuery, {"q": None, "role": "enterprise_role"}, None),
    "permits": Kind(PERMITS, PermitQuery, {"kind": "permit_kind", "valid_on": None}, "holder_id"),
    "sites": Kind(SITES, SiteQuery, {"q": None, "kind": "site_kind"}, "enterprise_id"),
    "vehicles": Kind(VEHICLES, VehicleQuery, {"q": None, "kind": "vehicle_kind", "hazard_class": None}, "carrier_id"),
    "personnel": Kind(PERSONNEL, PersonQuery, {"q": None, "role": "crew_role"}, "employer_id"),
}
ENUMS: dict[str, type] = {"enterprise_role": EnterpriseRole, "permit_kind": PermitKind, "site_kind": SiteKind,
                          "vehicle_kind": VehicleKind, "crew_role": CrewRole}


def validity(until: dt.date | None, today: dt.date, *, revoked: bool = False) -> str:
    """``revoked``, ``expired``, ``expiring`` (within :data:`EXPIRING_DAYS`), ``valid``, or ``unknown``."""
    if revoked:
        return "revoked"
    if until is None:
        return "unknown"
    if until < today:
        return "expired"
    return "expiring" if until <= today + dt.timedelta(days=EXPIRING_DAYS) else "valid"


@bp.get("/registry", defaults={"kind": "enterprises"})
@bp.get("/registry/<any(enterprises, permits, sites, vehicles, personnel):kind>")
@roles(*EVERYONE)
def registry_list(kind: str) -> str | tuple[str, int]:
    """One registry's records the user may see (an enterprise: its own), searched by the API's filters."""
    spec, user = KINDS[kind], web_user()
    values = {name: text(request.args, name) for name in spec.filters}
    filters, errors = load(spec.query(), {k: v for k, v in values.items() if v is not None})
    records = [] if filters is None else list(db.session.scalars(
        registry.visible(spec.reg, user, filters).limit(SHOWN)))
    owners = names_of(db.session, Enterprise, {getattr(r, spec.owner) for r in records}) if spec.owner else {}
    options = {name: [(m.value, label(group, m)) for m in ENUMS[group]] for name, group in spec.filters.items()
               if group is not None}
    page = render_template("registry.html", kind=kind, records=records, owners=owners, values=values, errors=errors,
                           options=options, today=dt.date.today(), validity=validity)
    return (page, 422) if errors else page


@bp.get("/registry/permit-check")
@roles(*EVERYONE)
def permit_check() -> str | tuple[str, int]:
    """May the enterprise do the activity with the chemical on the date? Answered by the API's decision, with
    the reason when not; an enterprise asks only about itself (another's answer is a 404, as through the API)."""
    user = web_user()
    asked = bool(request.args)
    values = {name: text(request.args, name) for name in PermitCheckQuery().fields}
    values["date"] = values["date"] or dt.date.today().isoformat()
    decision, errors = None, {}  # type: ignore[var-annotated]
    if asked:
        query, errors = load(PermitCheckQuery(), {k: v for k, v in values.items() if v is not None})
        if query is not None:
            decision = _decide(query)
    firms = select(Enterprise.id, Enterprise.name).where(Enterprise.active).order_by(Enterprise.name)
    if user.role is Role.ENTERPRISE:
        firms = firms.where(Enterprise.id == user.enterprise_id)
    chemicals = select(Chemical.id, Chemical.un_number, Chemical.name_zh, Chemical.name_en).where(
        Chemical.active).order_by(Chemical.un_number, Chemical.name_zh).limit(3000)
    options = {"enterprise": [(str(i), Data(name)) for i, name in db.session.execute(firms)],
               "activity": [(a.value, label("activity", a)) for a in Activity],
               "chemical": [(str(i), Data(f"UN{un or '—'} {zh or en or ''}"))
                            for i, un, zh, en in db.session.execute(chemicals)]}
    page = render_template("permit_check.html", values=values, errors=errors, options=options, decision=decision,
                           holder=_holder(decision))
    return (page, 422) if errors else page


def _decide(query: dict[str, Any]) -> Any:
    """The API's decision for *query* (404 for another enterprise's, or an unknown id, as through the API)."""
    scope_to_enterprise(web_user(), query["enterprise"])
    return permit_decision(db.session, query["enterprise"], query["activity"], query["chemical"], query["date"])


def _holder(decision: Any) -> Any:
    """The permit the decision rests on (the one that allows it, or the one the refusal is about)."""
    if decision is None or decision.permit_id is None:
        return None
    return registry.get(db.session, PERMITS, web_user(), decision.permit_id)


@dataclass(frozen=True)
class Input:
    """One input of a registration form: the API's field, its label, its type (``select`` takes the enumeration
    label group), and whether it is a list (typed separated by commas or spaces)."""

    name: str
    text: str
    type: str = "text"
    group: str | None = None
    many: bool = False


#: What each role registers on the pages, as through ``POST /api/v1/<kind>``: an enterprise its own vehicles and
#: crew (the owner is the user's enterprise), an administrator enterprises and permits.
REGISTERS: dict[str, tuple[Role, type[ma.Schema], tuple[Input, ...]]] = {
    "vehicles": (Role.ENTERPRISE, VehicleIn, (
        Input("plate", "Plate"), Input("kind", "Kind", "select", "vehicle_kind"),
        Input("hazard_classes", "Hazard classes", many=True), Input("rated_load_kg", "Rated load (kg)"),
        Input("tank_media", "UN numbers the tank may carry", many=True), Input("gps_terminal_id", "GPS terminal"),
        Input("inspection_valid_until", "Inspection valid until", "date"))),
    "personnel": (Role.ENTERPRISE, PersonIn, (
        Input("role", "Role", "select", "crew_role"), Input("name", "Name"),
        Input("certificate_number", "Certificate number"), Input("national_id", "Citizen identity number"),
        Input("qualification_classes", "Qualified for classes", many=True),
        Input("valid_until", "Certificate valid until", "date"))),
    "enterprises": (Role.ADMIN, EnterpriseIn, (
        Input("name", "Name"), Input("uscc", "Unified social credit code"),
        Input("roles", "Roles", many=True, group="enterprise_role"), Input("address", "Address"),
        Input("district_adcode", "District code"))),
    "permits": (Role.ADMIN, PermitIn, (
        Input("holder_id", "Holder", "select", "enterprise"), Input("kind", "Kind", "select", "permit_kind"),
        Input("number", "Number"), Input("issuer", "Issuer"), Input("hazard_classes", "Hazard classes", many=True),
        Input("un_numbers", "UN numbers", many=True), Input("waste_categories", "Waste categories", many=True),
        Input("waste_codes", "Waste codes", many=True), Input("disposal_methods", "Disposal methods", many=True),
        Input("valid_from", "Valid from", "date"), Input("valid_to", "Valid until", "date"))),
}


def _choices(group: str) -> list[tuple[str, str]]:
    """An enumeration's members by their labels, or the active enterprises (a permit's holder)."""
    if group == "enterprise":
        return [(str(i), Data(name)) for i, name in db.session.execute(
            select(Enterprise.id, Enterprise.name).where(Enterprise.active).order_by(Enterprise.name))]
    return [(m.value, label(group, m)) for m in ENUMS[group]]


def _typed(inputs: tuple[Input, ...]) -> dict[str, Any]:
    """The form's values as the API's body: lists split at commas and spaces (or the boxes ticked), empty inputs
    left out."""
    values: dict[str, Any] = {}
    for item in inputs:
        if item.many and item.group:
            values[item.name] = request.form.getlist(item.name)
            continue
        value = text(request.form, item.name)
        if value is not None:
            values[item.name] = [v for v in re.split(r"[,，、\s]+", value) if v] if item.many else value
    return values


@bp.route("/registry/<any(vehicles, personnel, enterprises, permits):kind>/new", methods=["GET", "POST"])
@roles(Role.ENTERPRISE, Role.ADMIN)
def register_record(kind: str) -> Response | tuple[str, int]:
    """A carrier registers a vehicle or a crew member of its own, an administrator an enterprise or a permit,
    through the API's schema and the registry service."""
    role, schema, inputs = REGISTERS[kind]
    if web_user().role is not role:
        raise PermissionDenied("Your role may not open this page.")
    values = _typed(inputs) if request.method == "POST" else {}
    errors: Errors = {}
    if request.method == "POST":
        data, errors = load(schema(), values)
        if data is not None:
            try:
                registry.create(db.session, KINDS[kind].reg, data, user=web_user())
            except DomainError as error:
                errors = service_errors(error)
            else:
                flash(translate("Registered."), "ok")
                return redirect(url_for("web.registry_list", kind=kind))
    boxes = {item.name for item in inputs if item.many and item.group}
    shown = {name: ", ".join(value) if isinstance(value, list) and name not in boxes else value
             for name, value in values.items()}
    options = {item.name: _choices(item.group) for item in inputs if item.group}
    page = render_template("registry_form.html", kind=kind, inputs=inputs, values=shown, errors=errors,
                           options=options)
    return page, 422 if errors else 200
