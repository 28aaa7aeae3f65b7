"""The waybill form asks, while a firm fills it, what the dangerous-goods rules will say of the chosen batches
(:func:`app.services.waybills.line_entries.rules_preview`): the document lines, mixed loading, tunnel code."""
from __future__ import annotations

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

#: As many lines as a waybill may have (app.api.waybills.schemas: 50).
MAX_LINES = 50


@bp.route("/firm/waybills/rules")
@roles(*FIRM)
def waybill_rules() -> Response:
    """JSON for the form's live panel; a batch the firm does not know is left out, as if not chosen."""
    ids = [i for i in (uuid_or_none(v) for v in request.args.getlist("batch_id")[:MAX_LINES]) if i]
    chemicals = chemicals_of(db.session, ids, known_to(web_user().enterprise_id)) if ids else {}
    return jsonify(rules_preview(db.session, [(i, chemicals[i]) for i in ids if i in chemicals]))
