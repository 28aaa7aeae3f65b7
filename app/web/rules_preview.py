"""The waybill form asks, while a firm fills it, what the dangerous-goods rules will say of the chosen batches
(:func:`app.services.waybills.line_entries.rules_preview`): the document lines, mixed loading, tunnel code."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import jsonify, request
from werkzeug.wrappers import Response

from app.extensions import db
from app.services.ledger.queries import known_to
from app.services.waybills.line_entries import rules_preview
from app.services.waybills.records import chemicals_of
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.firm import FIRM
from models.identifiers import uuid_or_none
from models.types import QUANTITY_LIMIT

#: As many lines as a waybill may have (app.api.waybills.schemas: 50).
MAX_LINES = 50


@bp.route("/firm/waybills/rules")
@roles(*FIRM)
def waybill_rules() -> Response:
    """JSON for the form's live panel; a batch the firm does not know is left out, as if not chosen. Each
    ``batch_id`` may come with the line's ``quantity_kg`` and ``packaging_kind`` (in the same order, all or none):
    the load is then weighed for ADR 1.1.3.6 (a quantity that is no number counts as not given)."""
    chosen = [(uuid_or_none(v), line) for line, v in enumerate(request.args.getlist("batch_id")[:MAX_LINES])]
    ids = [i for i, _ in chosen if i]
    chemicals = chemicals_of(db.session, ids, known_to(web_user().enterprise_id)) if ids else {}
    quantities, kinds = request.args.getlist("quantity_kg"), request.args.getlist("packaging_kind")
    kept = [(i, line) for i, line in chosen if i in chemicals]
    loads = [(_kilograms(quantities[line]), kinds[line][:40] or None) for _, line in kept] \
        if len(quantities) == len(kinds) == len(request.args.getlist("batch_id")) else None
    return jsonify(rules_preview(db.session, [(i, chemicals[i]) for i, _ in kept], loads))


def _kilograms(text: str) -> Decimal | None:
    """A line's quantity as typed: a positive number of kg below what a quantity column holds, else None."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 < value < QUANTITY_LIMIT else None
