"""The firm's pages: its waybills and batches, registering a batch or a movement, and creating, correcting
and submitting a waybill. Every write goes through the same schema and service as the API, and their field
errors are shown beside the fields."""
from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.api.batches.schemas import BatchIn
from app.api.movements.schemas import MovementIn
from app.api.waybills.schemas import ContentIn, WaybillIn
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.services.ledger.balances import balances
from app.services.ledger.movements import REQUIRED, post_movement
from app.services.ledger.queries import acting_for, visible_batches
from app.services.waybills import listing, service
from app.services.waybills.service import CONTENT, LINE_FIELDS
from app.services.waybills.status import EDITABLE
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm_options import batch_options, movement_options, waybill_options
from app.web.forms import Errors, aware, load, service_errors, text, wall_time
from app.web.i18n import label, translate
from models import Account, EntryKind, Role, Waybill

FIRM = (Role.ENTERPRISE,)
#: The movement kinds the form offers (transformations and reversals have their own API payloads).
MOVEMENT_KINDS = tuple(k for k in EntryKind if k not in (EntryKind.TRANSFORM, EntryKind.SPLIT, EntryKind.REVERSAL))
MOVEMENT_FIELDS = ("batch", "code", "chemical_id", "site_id", "from_site_id", "to_site_id", "carrier_id",
                   "transit_ref", "quantity", "unit", "density_kg_per_l", "counted", "document_ref")
DATETIMES = ("departure_earliest", "departure_latest")


@bp.get("/firm")
@roles(*FIRM)
def firm_home() -> str:
    session, user = db.session, web_user()
    total, trips = listing.list_waybills(session, user, limit=20)
    batches = list(session.scalars(visible_batches(user).limit(50)))
    own = session.scalars(select(Account.id).where(Account.enterprise_id == user.enterprise_id)).all()
    on_hand: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for holding in balances(session, account_ids=own, batch_ids=[b.id for b in batches]):
        on_hand[holding.batch_id] += holding.balance
    return render_template("firm_home.html", trips=trips, total=total, batches=batches, on_hand=on_hand)


@bp.route("/firm/batches/new", methods=["GET", "POST"])
@roles(*FIRM)
def new_batch() -> str | Response | tuple[str, int]:
    values = {name: text(request.form, name) for name in BatchIn().fields} if request.method == "POST" else {}
    errors: Errors = {}
    if request.method == "POST":
        values["produced_at"] = aware(values["produced_at"])
        data, errors = load(BatchIn(), {k: v for k, v in values.items() if v is not None})
        if data is not None:
            data.pop("enterprise_id", None)
            try:
                post_movement(db.session, acting_for(web_user(), None),
                              {**data, "kind": "produce", "occurred_at": data["produced_at"]})
            except DomainError as error:
                errors = service_errors(error)
            else:
                flash(translate("Batch {code} registered.", code=data["code"]), "ok")
                return redirect(url_for("web.firm_home"))
    return _page("batch_form.html", errors, values=values, options=batch_options(web_user()))


@bp.route("/firm/movements/new", methods=["GET", "POST"])
@roles(*FIRM)
def new_movement() -> str | Response | tuple[str, int]:
    values = {name: text(request.form, name) for name in ("kind", "occurred_at", *MOVEMENT_FIELDS)}
    errors: Errors = {}
    if request.method == "POST":
        given = {k: v for k, v in values.items() if v is not None}
        given["occurred_at"] = aware(values["occurred_at"])
        data, errors = load(MovementIn(), given)
        if data is not None:
            try:
                entries = post_movement(db.session, acting_for(web_user(), None), data)
            except DomainError as error:
                errors = service_errors(error)
            else:
                flash(translate("{count} ledger entries posted.", count=len(entries)), "ok")
                return redirect(url_for("web.firm_home"))
    kinds = {field: [k.value for k in MOVEMENT_KINDS if field in REQUIRED[k]] for field in MOVEMENT_FIELDS}
    return _page("movement_form.html", errors, values=values, kinds=kinds, shown=["kind", "occurred_at", *kinds],
                 kind_options=[(k.value, label("entry_kind", k)) for k in MOVEMENT_KINDS],
                 options=movement_options(web_user()))


def _page(template: str, errors: Errors, **context: Any) -> str | tuple[str, int]:
    page = render_template(template, errors=errors, **context)
    return (page, 422) if errors else page


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
