"""The firm's consignment lists (托运清单): the ones it handed over or was handed. The shipper hands one over
here (Order 29 Art. 22) through the API's schema and service, their field errors beside the fields; the carrier
makes the waybill from one (Art. 24), then completes it in the waybill form (vehicle, crew, the national
content)."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.api.consignments.routes import ConsignmentIn
from app.errors import DomainError
from app.extensions import db
from app.services.consignments import HEAD_FIELDS, LINE_FIELDS, create_consignment, visible_consignments
from app.services.waybills import service
from app.services.waybills.listing import visible_waybills
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm import FIRM
from app.web.firm_options import consignment_options
from app.web.forms import Errors, load, rows, service_errors, text
from app.web.i18n import translate
from app.web.waybills import names_of
from models import Enterprise, Waybill

SHOWN = 100


@bp.get("/firm/consignments")
@roles(*FIRM)
def consignments() -> str:
    rows = list(db.session.scalars(visible_consignments(web_user()).limit(SHOWN)))
    names = names_of(db.session, Enterprise, {i for c in rows for i in (c.shipper_id, c.carrier_id, c.consignee_id)})
    made: dict[uuid.UUID, list[Waybill]] = {}
    for waybill in db.session.scalars(visible_waybills(web_user()).where(
            Waybill.consignment_id.in_([c.id for c in rows]))):
        made.setdefault(waybill.consignment_id, []).append(waybill)
    return render_template("consignments.html", consignments=rows, names=names, made=made)


@bp.post("/firm/consignments/<uuid:consignment_id>/waybill")
@roles(*FIRM)
def waybill_from_consignment(consignment_id: uuid.UUID) -> Response:
    """The carrier opens the waybill of a list: a draft with the list's parties, sites, contacts and goods."""
    try:
        waybill = service.create_draft(db.session, web_user(), {"consignment_id": consignment_id})
    except DomainError as error:
        flash(error.detail, "error")
        return redirect(url_for("web.consignments"))
    flash(translate("Draft {number} made from the consignment list: add the vehicle and crew.",
                    number=waybill.number), "ok")
    return redirect(url_for("web.edit_waybill", waybill_id=waybill.id))


@bp.route("/firm/consignments/new", methods=["GET", "POST"])
@roles(*FIRM)
def new_consignment() -> Response | tuple[str, int]:
    """The shipper hands its carrier a list; each line's UN number, name, class and packing group are read from
    its batch's catalogue entry by the service. Nothing is written while any field is refused."""
    values: dict[str, Any] = {name: text(request.form, name) for name in HEAD_FIELDS}
    values["lines"] = rows(request.form, LINE_FIELDS)
    errors: Errors = {}
    if request.method == "POST":
        data, errors = load(ConsignmentIn(), {k: v for k, v in values.items() if v is not None})
        if data is not None:
            try:
                listed = create_consignment(db.session, web_user(), data)
            except DomainError as error:
                errors = service_errors(error)
            else:
                flash(translate("Consignment list {number} handed to the carrier.", number=listed.number), "ok")
                return redirect(url_for("web.consignments"))
    lines = [*values["lines"], dict.fromkeys(LINE_FIELDS)]
    page = render_template("consignment_form.html", values=values, lines=lines, errors=errors,
                           options=consignment_options(web_user()), LINE_FIELDS=LINE_FIELDS)
    return page, 422 if errors else 200
