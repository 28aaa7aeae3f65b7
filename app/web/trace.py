"""The auditor's pages: find a batch, see its whole chain (graph, reconciled quantities, entries), the
ledger's verification, and download the trace as JSON or as a GS1 EPCIS 2.0 document."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, json, redirect, render_template, request, url_for
from sqlalchemy import select

from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import N_, Text
from app.services.ledger.codes import ProducerRef, producer_ref
from app.services.ledger.epcis import as_epcis
from app.services.ledger.trace import DIRECTIONS, as_json, trace
from app.web.access import AUTHORITIES, roles
from app.web.blueprint import bp
from app.web.trace_graph import NODE_H, NODE_W, build
from app.web.verification import ledger_verification
from models import Batch

RECENT = 30


def _verification() -> dict[str, object]:
    """The ledger's verification for a trace page, and the link that asks for a new one on the same page."""
    again = url_for(request.endpoint, **(request.view_args or {}), **{**request.args.to_dict(), "verify": 1})
    return {"verification": ledger_verification(again="verify" in request.args), "again_url": again}


def _producer() -> ProducerRef | None:
    """The producer whose lot the code names (``?producer=``, its id or USCC), when several producers use the
    code; a value that is neither is refused (422) as by the API."""
    value = request.args.get("producer")
    if not value:
        return None
    try:
        return producer_ref(value)
    except ValueError as error:
        raise ValidationFailed(Text("Not an enterprise id or a unified social credit code: '{value}'.",
                                    value=value), errors={"producer": [N_("invalid")]}) from error


def _direction() -> str:
    direction = request.args.get("direction", "both")
    return direction if direction in DIRECTIONS else "both"


@bp.get("/trace")
@roles(*AUTHORITIES)
def trace_index() -> str | Response:
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("web.trace_batch", code=code, direction=_direction()))
    batches = db.session.scalars(select(Batch).order_by(Batch.produced_at.desc(), Batch.code).limit(RECENT))
    return render_template("trace_index.html", batches=list(batches), **_verification())


@bp.get("/trace/<string:code>")
@roles(*AUTHORITIES)
def trace_batch(code: str) -> str:
    direction = _direction()
    result = trace(db.session, code, direction, _producer())  # 404 page for an unknown code
    return render_template("trace.html", code=code, direction=direction, directions=DIRECTIONS,
                           trace=as_json(result), graph=build(result), node_w=NODE_W, node_h=NODE_H,
                           full_size=request.args.get("size") == "full", **_verification())


def _download(document: dict, filename: str, mimetype: str) -> Response:
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@bp.get("/trace/<string:code>/trace.json")
@roles(*AUTHORITIES)
def trace_json(code: str) -> Response:
    direction = _direction()
    return _download(as_json(trace(db.session, code, direction, _producer())), f"trace-{code}-{direction}.json",
                     "application/json")


@bp.get("/trace/<string:code>/epcis.jsonld")
@roles(*AUTHORITIES)
def trace_epcis(code: str) -> Response:
    direction = _direction()
    return _download(as_epcis(trace(db.session, code, direction, _producer())), f"epcis-{code}-{direction}.jsonld",
                     "application/ld+json")
