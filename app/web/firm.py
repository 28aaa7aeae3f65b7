"""The firm's pages: its waybills and batches, registering a batch or a movement, accepting or refusing the
transfers offered into its sites (the waybill form is in
:mod:`app.web.firm_waybills`). Every write goes through the same schema and service as the API, and their
field errors are shown beside the fields."""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.api.batches.schemas import BatchIn
from app.api.movements.schemas import MovementIn
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.i18n import N_
from app.services.ledger import transfers
from app.services.ledger.movements import REQUIRED, post_movement, submit_movement
from app.services.ledger.transfers import visible_transfers
from app.services.ledger.queries import acting_for, stock, visible_batches
from app.services.waybills import listing
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm_options import batch_options, movement_options
from app.web.forms import Errors, aware, load, service_errors, text
from app.web.i18n import label, translate
from models import EntryKind, PendingTransfer, Role, TransferStatus

FIRM = (Role.ENTERPRISE,)
#: The movement kinds the form offers (transformations and reversals have their own API payloads).
MOVEMENT_KINDS = tuple(k for k in EntryKind if k not in (EntryKind.TRANSFORM, EntryKind.SPLIT, EntryKind.REVERSAL))
MOVEMENT_FIELDS = ("batch", "producer", "code", "chemical_id", "site_id", "from_site_id", "to_site_id", "carrier_id",
                   "transit_ref", "quantity", "unit", "density_kg_per_l", "counted", "document_ref")


@bp.get("/firm")
@roles(*FIRM)
def firm_home() -> str:
    session, user = db.session, web_user()
    total, trips = listing.list_waybills(session, user, limit=20)
    batches = list(session.scalars(visible_batches(user).limit(50)))
    on_hand: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for holding in stock(session, [b.id for b in batches], enterprise_id=user.enterprise_id):
        on_hand[holding.batch_id] += holding.balance
    incoming = list(session.scalars(visible_transfers(user).where(
        PendingTransfer.receiver_id == user.enterprise_id, PendingTransfer.status == TransferStatus.PENDING)))
    # Lots of several producers sharing a code are told apart by their producer.
    shared = {code for code, lots in Counter(b.code for b in batches).items() if lots > 1}
    return render_template("firm_home.html", trips=trips, total=total, batches=batches, on_hand=on_hand,
                           incoming=incoming, shared=shared)


@bp.post("/firm/transfers/<uuid:transfer_id>/<any(accept, refuse):decision>")
@roles(*FIRM)
def decide_transfer(transfer_id: uuid.UUID, decision: str) -> Response:
    """The receiver accepts a transfer offered into its site (posted then) or refuses it, as through the API."""
    reason = (request.form.get("reason") or "").strip()[:500]
    try:
        if decision == "accept":
            transfers.accept(db.session, web_user(), transfer_id)
        elif not reason:
            raise ValidationFailed("A refusal needs a reason.", errors={"reason": [N_("required to refuse")]})
        else:
            transfers.refuse(db.session, web_user(), transfer_id, reason)
    except DomainError as error:
        flash(translate(error.detail), "error")
    else:
        flash(translate("Transfer accepted: posted to our stock.") if decision == "accept"
              else translate("Transfer refused."), "ok")
    return redirect(url_for("web.firm_home"))


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
                posted = submit_movement(db.session, acting_for(web_user(), None), data)
            except DomainError as error:
                # Several producers' lots share the code: the reason beside the producer to pick (the API lists
                # their ids there; the form offers them by name).
                errors = ({name: [error.detail] for name in error.errors or {}} if error.code == "ambiguous_batch"
                          else service_errors(error))
            else:
                # A transfer into another enterprise's site is only offered, as through the API.
                flash(translate("Transfer offered: it is posted when the receiving enterprise accepts it.")
                      if isinstance(posted, PendingTransfer)
                      else translate("{count} ledger entries posted.", count=len(posted)), "ok")
                return redirect(url_for("web.firm_home"))
    kinds = {field: [k.value for k in MOVEMENT_KINDS if field in REQUIRED[k]] for field in MOVEMENT_FIELDS}
    kinds["producer"] = kinds["batch"]  # the lot's producer, beside its code
    return _page("movement_form.html", errors, values=values, kinds=kinds, shown=["kind", "occurred_at", *kinds],
                 kind_options=[(k.value, label("entry_kind", k)) for k in MOVEMENT_KINDS],
                 options=movement_options(web_user()))


def _page(template: str, errors: Errors, **context: Any) -> str | tuple[str, int]:
    page = render_template(template, errors=errors, **context)
    return (page, 422) if errors else page
