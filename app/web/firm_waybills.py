"""The firm's waybill form: creating, correcting and submitting a waybill through the API's schemas and
service, with their field errors beside the fields."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.api.waybills.schemas import ContentIn, WaybillIn
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.services.waybills import service
from app.services.waybills.service import CONTENT, LINE_FIELDS
from app.services.waybills.status import EDITABLE
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm import FIRM
from app.web.firm_options import waybill_options
from app.web.forms import Errors, aware, load, service_errors, text, wall_time
from app.web.i18n import translate
from models import Waybill

DATETIMES = ("departure_earliest", "departure_latest")


def _waybill_values(form: Any) -> dict[str, Any]:
    """The form as the API's body: empty fields are ``None``, empty line rows are left out."""
    values: dict[str, Any] = {name: text(form, name) for name in CONTENT}
    for name in DATETIMES:
        values[name] = aware(values[name])
    rows = sorted({int(key.split(".")[1]) for key in form if key.startswith("lines.") and key.split(".")[1].isdigit()})
    lines = [{name: text(form, f"lines.{n}.{name}") for name in LINE_FIELDS} for n in rows]
    values["lines"] = [line for line in lines if any(v is not None for v in line.values())]
    return values


def _form(waybill: Waybill | None, values: dict[str, Any], errors: Errors) -> tuple[str, int]:
    lines = list(values.get("lines") or []) + [dict.fromkeys(LINE_FIELDS)]
    return render_template("waybill_form.html", waybill=waybill, values=values, lines=lines, errors=errors,
                           options=waybill_options(web_user())), 422 if errors else 200


def _submit_or_show(waybill: Waybill, values: dict[str, Any]) -> Response | tuple[str, int]:
    """Submit the saved draft when asked; a refusal shows the draft's form with every error at its field."""
    if request.form.get("action") == "submit":
        try:
            waybill = service.submit(db.session, web_user(), waybill.id, row_version=waybill.row_version)
        except ValidationFailed as error:
            flash(translate("Draft {number} saved, but it cannot be submitted yet.", number=waybill.number), "error")
            return _form(waybill, values, service_errors(error))
        flash(translate("Waybill {number} submitted for approval.", number=waybill.number), "ok")
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
    data, errors = load(WaybillIn(), values)
    if data is None:
        return _form(None, values, errors)
    try:
        waybill = service.create_draft(db.session, web_user(), data)
    except DomainError as error:
        return _form(None, values, service_errors(error))
    return _submit_or_show(waybill, values)


@bp.route("/firm/waybills/<uuid:waybill_id>/edit", methods=["GET", "POST"])
@roles(*FIRM)
def edit_waybill(waybill_id: uuid.UUID) -> Response | tuple[str, int]:
    waybill = service.get_waybill(db.session, web_user(), waybill_id)
    if waybill.status not in EDITABLE:
        flash(translate("Only a draft or a rejected waybill is edited here."), "error")
        return redirect(url_for("web.waybill", waybill_id=waybill.id))
    if request.method == "GET":
        version = waybill.current
        values: dict[str, Any] = {name: getattr(version, name) for name in CONTENT}
        values.update({name: wall_time(values[name]) for name in DATETIMES})
        values["lines"] = [{name: getattr(line, name) for name in LINE_FIELDS} for line in version.lines]
        return _form(waybill, values, {})
    values = _waybill_values(request.form)
    data, errors = load(ContentIn(), values)
    if data is None:
        return _form(waybill, values, errors)
    try:
        waybill = service.update(db.session, web_user(), waybill.id,
                                 {**data, "row_version": request.form.get("row_version", type=int)})
    except DomainError as error:
        return _form(waybill, values, service_errors(error))
    return _submit_or_show(waybill, values)
