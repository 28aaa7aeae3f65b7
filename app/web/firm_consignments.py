"""The firm's consignment lists (托运清单): the ones it handed over or was handed; the carrier makes the waybill
from one here (Order 29 Art. 24), then completes it in the waybill form (vehicle, crew, the national content)."""
from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.services.consignments import visible_consignments
from app.services.waybills import service
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm import FIRM
from app.web.i18n import translate
from app.web.waybills import names_of
from models import Enterprise

SHOWN = 100


@bp.get("/firm/consignments")
@roles(*FIRM)
def consignments() -> str:
    rows = list(db.session.scalars(visible_consignments(web_user()).limit(SHOWN)))
    names = names_of(db.session, Enterprise, {i for c in rows for i in (c.shipper_id, c.carrier_id, c.consignee_id)})
    return render_template("consignments.html", consignments=rows, names=names)


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
