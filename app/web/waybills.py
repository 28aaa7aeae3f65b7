"""Waybill pages: the list (scoped by the service to what the user may see) and one waybill with its map."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.services.alerts import visible_alerts
from app.services.waybills import listing, service
from app.services.waybills.documents import transport_line
from app.web.access import EVERYONE, roles, web_user
from app.web.blueprint import bp
from app.web.forms import Errors, acted
from app.web.i18n import Data, label, translate
from app.web.maps import safe_trip_map
from app.web.qr import qr_svg
from app.web.waybill_actions import ACTIONS, Action, form_values, offered
from models import Alert, Batch, Corridor, Enterprise, Person, Site, User, Vehicle, Waybill, WaybillStatus

PAGE_SIZE = 25


def names_of(session: Session, model: type, ids: set[Any], column: str = "name") -> dict[Any, str]:
    """``{id: name}`` of the records of *model* among *ids*, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids))).all())


def party_names(session: Session, waybills: list[Waybill]) -> dict[uuid.UUID, str]:
    return names_of(session, Enterprise, {i for w in waybills for i in (w.shipper_id, w.consignee_id, w.carrier_id)})


@bp.get("/waybills")
@roles(*EVERYONE)
def waybills() -> str:
    status = request.args.get("status") or None
    status = status if status in set(WaybillStatus) else None
    number = (request.args.get("number") or "").strip()[:20] or None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total, rows = listing.list_waybills(db.session, web_user(), status=WaybillStatus(status) if status else None,
                                        number=number, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template("waybills.html", waybills=rows, total=total, page=page, pages=-(-total // PAGE_SIZE),
                           names=party_names(db.session, rows),
                           status_options=[(s.value, label("status", s)) for s in WaybillStatus],
                           status=status or "", number=number or "")


def _document(session: Session, waybill: Waybill) -> dict[str, Any]:
    """Names for every record the current version refers to, and its lines in transport-document form."""
    version = waybill.current
    people = names_of(session, Person, {version.driver_id, version.escort_id})
    sites = names_of(session, Site, {version.loading_site_id, version.unloading_site_id})
    plates = names_of(session, Vehicle, {version.vehicle_id, version.trailer_id}, "plate")
    batches = names_of(session, Batch, {line.batch_id for line in version.lines}, "code")
    corridor = session.get(Corridor, waybill.corridor_id) if waybill.corridor_id else None
    lines = [{"line": line, "batch": batches.get(line.batch_id, ""),
              "document": line.document_line or (transport_line(
                  line.un_number, line.proper_shipping_name or "", line.hazard_class or "", line.packing_group,
                  line.tunnel_code) if line.un_number else None)}
             for line in version.lines]
    return {"version": version, "driver": people.get(version.driver_id), "escort": people.get(version.escort_id),
            "loading_site": sites.get(version.loading_site_id), "unloading_site": sites.get(version.unloading_site_id),
            "vehicle": plates.get(version.vehicle_id), "trailer": plates.get(version.trailer_id),
            "corridor": corridor.name if corridor else None, "lines": lines}


def render_waybill(record: Waybill, *, action_errors: dict[str, Errors] | None = None,
                   action_values: dict[str, dict[str, Any]] | None = None) -> str:
    """The waybill's page: its document, map, alerts, history and the actions the user may take on it now
    (with the errors and values of an action just refused)."""
    session, user = db.session, web_user()
    alerts = list(session.scalars(visible_alerts(user).where(Alert.waybill_id == record.id)
                                  .order_by(Alert.opened_at.desc())))
    trip_map, map_problem = safe_trip_map(session, user, record)
    actors = names_of(session, User, {event.actor_id for event in record.events})
    actions = offered(user, record)
    corridors = ([(str(i), Data(name)) for i, name in session.execute(
        select(Corridor.id, Corridor.name).where(Corridor.active).order_by(Corridor.name))]
        if "approve" in actions else [])
    return render_template("waybill.html", waybill=record, names=party_names(session, [record]),
                           doc=_document(session, record), alerts=alerts, map=trip_map, map_problem=map_problem,
                           actors=actors, actions=actions, action_errors=action_errors or {},
                           action_values=action_values or {}, corridors=corridors)


@bp.get("/waybills/<uuid:waybill_id>")
@roles(*EVERYONE)
def waybill(waybill_id: uuid.UUID) -> str:
    return render_waybill(service.get_waybill(db.session, web_user(), waybill_id))  # 404 if not the user's to see


def _perform(action: Action, waybill_id: uuid.UUID) -> Response | tuple[str, int]:
    """Run *action* as the API does; on refusal, the page again with its errors beside the action's fields."""
    user = web_user()
    values = form_values(action)
    seen = request.form.get("row_version", type=int)
    done, errors = acted(action.schema(), values, lambda data: action.run(user, waybill_id, data, seen))
    if done is not None:
        flash(translate(action.done, number=done.number), "ok")
        return redirect(url_for("web.waybill", waybill_id=done.id))
    waybill = service.get_waybill(db.session, user, waybill_id)  # as it is now; 404 for one the user may not see
    return render_waybill(waybill, action_errors={action.name: errors}, action_values={action.name: values}), 422


def _action_view(action: Action) -> None:
    """Register ``POST /waybills/<id>/<action>`` for the API's roles of *action*."""
    @roles(*action.roles)
    def view(waybill_id: uuid.UUID) -> Response | tuple[str, int]:
        return _perform(action, waybill_id)

    view.__name__ = f"waybill_{action.name}"
    bp.route(f"/waybills/<uuid:waybill_id>/{action.name}", methods=["POST"], endpoint=view.__name__)(view)


for _action in ACTIONS.values():
    _action_view(_action)


@bp.get("/waybills/<uuid:waybill_id>/print")
@roles(*EVERYONE)
def waybill_print(waybill_id: uuid.UUID) -> str:
    """The waybill as the national format's document (Order 29 Art. 24), to print or show at a roadside check:
    every field with its QR code of the number."""
    session = db.session
    record = service.get_waybill(session, web_user(), waybill_id)  # 404 for a waybill the user may not see
    doc = _document(session, record)
    version = record.current
    certificates = names_of(session, Person, {version.driver_id, version.escort_id}, "certificate_number")
    doc.update(driver_certificate=certificates.get(version.driver_id),
               escort_certificate=certificates.get(version.escort_id))
    return render_template("waybill_print.html", waybill=record, names=party_names(session, [record]), doc=doc,
                           status=label("status", record.status), qr=qr_svg(record.number))
