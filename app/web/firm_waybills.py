"""The firm's waybill form: creating, correcting and submitting a waybill through the API's schemas and
service, with their field errors beside the fields.

The shipper names the carrier, then the vehicle, trailer, driver and escort by what the carrier told it: the
plate and the certificate numbers, looked up among that carrier's active records only
(:mod:`app.services.waybills.named`). The form lists no other carrier's fleet or crew: it suggests only the
user's own enterprise's (a firm carrying its own goods)."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.api.waybills.schemas import ContentIn, WaybillIn
from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.extensions import db
from app.i18n import N_
from app.services.waybills import named, service
from app.services.waybills.service import CONTENT, LINE_FIELDS
from app.services.waybills.status import EDITABLE
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm import FIRM
from app.web.firm_options import waybill_options
from app.web.forms import Errors, aware, load, rows, service_errors, text, wall_time
from app.web.i18n import translate
from app.web.waybills import names_of
from models import Batch, Person, Vehicle, Waybill
from models.identifiers import uuid_or_none

DATETIMES = ("departure_earliest", "departure_latest")
#: The national format's content the carrier fills in (name, label, input type), see docs/e-waybills.md.
NATIONAL_INPUTS = (
    ("shipper_contact", N_("Shipper's phone"), "tel"), ("consignee_contact", N_("Consignee's phone"), "tel"),
    ("loader_name", N_("Loader (装货人)"), "text"), ("loader_contact", N_("Loader's phone"), "tel"),
    ("vehicle_plate_colour", N_("Plate colour (黄, 蓝, 黄绿 ...)"), "text"),
    ("vehicle_transport_certificate", N_("Road transport certificate (道路运输证) number"), "text"),
    ("trailer_plate_colour", N_("Trailer plate colour"), "text"),
    ("trailer_transport_certificate", N_("Trailer's road transport certificate number"), "text"),
    ("tank_number", N_("Tank number"), "text"), ("tank_capacity_m3", N_("Tank capacity (m³)"), "text"),
    ("tank_inspection_valid_until", N_("Tank inspection valid until"), "date"),
    ("driver_phone", N_("Driver's phone"), "tel"), ("escort_phone", N_("Escort's phone"), "tel"),
    ("dispatcher", N_("Dispatcher (调度人)"), "text"), ("dispatched_on", N_("Dispatch date"), "date"),
    ("waste_manifest_number", N_("Waste transfer manifest (转移联单) number"), "text"),
    ("shared_trip", N_("Shared trip reference"), "text"),
)
#: The version's fields the form has an input for; vehicle and crew are typed as text (see ``named``).
OWN_INPUTS = tuple(name for name in CONTENT if name not in named.TEXT_OF)


def _waybill_values(form: Any) -> dict[str, Any]:
    """The form's values: the API's body, except that vehicle and crew are the texts typed (plate,
    certificate number); empty fields are ``None``, empty line rows are left out. Ids of vehicles or crew
    posted by hand are ignored: only a lookup at the carrier names them."""
    values: dict[str, Any] = {name: text(form, name) for name in (*OWN_INPUTS, *named.FIELDS)}
    for name in DATETIMES:
        values[name] = aware(values[name])
    values["lines"] = rows(form, LINE_FIELDS)
    return values


def _body(values: dict[str, Any], carrier_id: uuid.UUID | None) -> tuple[dict[str, Any], Errors]:
    """The API's body for *values*: the records their texts name at the carrier in place of the texts; and the
    texts that name none."""
    found = named.resolve(db.session, carrier_id, values)
    body = {name: value for name, value in values.items() if name not in named.FIELDS}
    body.update({name: str(record_id) if record_id else None for name, record_id in found.ids.items()})
    return body, found.errors


def _at_inputs(errors: Errors) -> Errors:
    """The errors keyed by the form's inputs: a vehicle's or a crew member's at the text that names them."""
    shown: Errors = {}
    for path, messages in errors.items():
        shown.setdefault(named.TEXT_OF.get(path, path), []).extend(messages)
    return shown


def _form(waybill: Waybill | None, values: dict[str, Any], errors: Errors) -> tuple[str, int]:
    lines = list(values.get("lines") or []) + [dict.fromkeys(LINE_FIELDS)]
    user = web_user()
    if waybill is not None and waybill.shipper_id != user.enterprise_id:  # the carrier completes it
        lots = db.session.scalars(select(Batch).options(selectinload(Batch.producer)).where(
            Batch.id.in_({line.batch_id for line in waybill.current.lines if line.batch_id})))
        options = waybill_options(user, consignee=waybill.consignee_id, shipper=waybill.shipper_id, lots=list(lots))
    else:
        options = waybill_options(user, consignee=waybill.consignee_id if waybill else None)
    return render_template("waybill_form.html", waybill=waybill, values=values, lines=lines,
                           errors=_at_inputs(errors), options=options, NATIONAL_INPUTS=NATIONAL_INPUTS), \
        422 if errors else 200


def _saved_values(waybill: Waybill) -> dict[str, Any]:
    """The current version as the form shows it: the plates and certificate numbers of the records it names."""
    version = waybill.current
    values: dict[str, Any] = {name: getattr(version, name) for name in OWN_INPUTS}
    values.update({name: wall_time(values[name]) for name in DATETIMES})
    plates = names_of(db.session, Vehicle, {version.vehicle_id, version.trailer_id}, "plate")
    numbers = names_of(db.session, Person, {version.driver_id, version.escort_id}, "certificate_number")
    for name, field in named.FIELDS.items():
        values[name] = (plates if name in named.PLATES else numbers).get(getattr(version, field))
    values["lines"] = [{name: getattr(line, name) for name in LINE_FIELDS} for line in version.lines]
    return values


def _submit_or_show(waybill: Waybill, values: dict[str, Any]) -> Response | tuple[str, int]:
    """Submit the saved draft when asked; a refusal shows the draft's form with every error at its field."""
    if request.form.get("action") == "submit":
        try:
            waybill = service.submit(db.session, web_user(), waybill.id, row_version=waybill.row_version)
        except ValidationFailed as error:
            flash(translate("Draft {number} saved, but it cannot be submitted yet.", number=waybill.number), "error")
            return _form(waybill, values, service_errors(error))
        message = (N_("Waybill {number} awaits its pass from public security.") if waybill.status == "awaiting_pass"
                   else N_("Waybill {number} issued."))
        flash(translate(message, number=waybill.number), "ok")
    else:
        flash(translate("Draft {number} saved.", number=waybill.number), "ok")
    return redirect(url_for("web.waybill", waybill_id=waybill.id))


@bp.route("/firm/waybills/new", methods=["GET", "POST"])
@roles(*FIRM)
def new_waybill() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _form(None, {"lines": []}, {})
    values = _waybill_values(request.form)
    parties = {name: text(request.form, name) for name in ("consignee_id", "carrier_id")}
    values.update({name: value for name, value in parties.items() if value is not None})
    body, unknown = _body(values, uuid_or_none(values.get("carrier_id")))
    data, errors = load(WaybillIn(), body)
    if data is None or unknown:  # nothing is written while a text names no record
        return _form(None, values, {**unknown, **errors})
    try:
        waybill = service.create_draft(db.session, web_user(), data)
    except DomainError as error:
        return _form(None, values, service_errors(error))
    return _submit_or_show(waybill, values)


@bp.route("/firm/waybills/<uuid:waybill_id>/edit", methods=["GET", "POST"])
@roles(*FIRM)
def edit_waybill(waybill_id: uuid.UUID) -> Response | tuple[str, int]:
    waybill = service.get_waybill(db.session, web_user(), waybill_id)
    if web_user().enterprise_id not in (waybill.shipper_id, waybill.carrier_id):
        raise PermissionDenied("Only the carrier or the shipper may do this.")
    if waybill.status not in EDITABLE:
        flash(translate("Only a draft or a rejected waybill is edited here."), "error")
        return redirect(url_for("web.waybill", waybill_id=waybill.id))
    if request.method == "GET":
        return _form(waybill, _saved_values(waybill), {})
    values = _waybill_values(request.form)
    body, unknown = _body(values, waybill.carrier_id)
    data, errors = load(ContentIn(), body)
    if data is None or unknown:
        return _form(waybill, values, {**unknown, **errors})
    try:
        waybill = service.update(db.session, web_user(), waybill.id,
                                 {**data, "row_version": request.form.get("row_version", type=int)})
    except DomainError as error:
        return _form(waybill, values, service_errors(error))
    return _submit_or_show(waybill, values)
