"""``/api/v1/rules``: the ADR 2017 / JT/T 617 rules as ``hazledger rules`` answers them (the web form asks live).

Entries are named ``UN[/PG[/VARIANT]]``; a reference naming no entry, or several that differ in what the rule
reads, is a 422 with the choices.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import select

from app.api._registry import READERS
from app.api._query import query_arguments
from app.auth import allow
from app.errors import ValidationFailed
from app.extensions import db
from app.services.dangerous_goods.entries import EntryError, TableA
from app.services.dangerous_goods.queries import line_of, mix_of, tunnel_of
from app.services.dangerous_goods.small_loads import QuantityError
from app.services.transport_entries import rules_table
from models import TransportEntry

T = TypeVar("T")
blp = Blueprint("rules", __name__, description="ADR 2017 / JT/T 617: document line, mixed loading, tunnel code")

_REF = ma.fields.String(required=True, validate=validate.Length(min=1, max=20),
                        metadata={"description": "UN[/PG[/VARIANT]], e.g. 1017, 1993/II, 1993/II/2"})


class DocumentLineQuery(ma.Schema):
    un = ma.fields.String(required=True, validate=validate.Length(min=1, max=20),
                          metadata={"description": "UN number, or UN/PG/VARIANT"})
    pg = ma.fields.String(validate=validate.OneOf(["I", "II", "III"]))
    name = ma.fields.String(validate=validate.Length(max=500),
                            metadata={"description": "one of the entry's alternative names (ADR 3.1.2.1)"})
    technical_name = ma.fields.String(validate=validate.Length(max=200),
                                      metadata={"description": "for n.o.s. entries (ADR 3.1.2.8.1)"})


class RuleEntriesQuery(ma.Schema):
    entry = ma.fields.List(_REF, required=True, validate=validate.Length(min=1, max=50),
                           metadata={"description": "repeat for every entry on board"})


class TunnelCodeQuery(RuleEntriesQuery):
    tank = ma.fields.Boolean(load_default=False, metadata={"description": "carriage in tanks (D/E: or bulk)"})
    explosive_mass_kg = ma.fields.Decimal(validate=validate.Range(min=0, max=10 ** 6), as_string=False,
                                          metadata={"description": "net explosive mass (B1000C, C5000D)"})
    quantity = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=40)),
                              validate=validate.Length(max=50), metadata={
                                  "description": "one per entry, in their order (e.g. 300 L, 50 kg): the load is "
                                                 "weighed for the ADR 1.1.3.6 small-load exemption (8.6.3.3)"})


class TransportEntryQuery(ma.Schema):
    un = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"), metadata={"description": "UN number"})


class TransportEntryOut(ma.Schema):
    id = ma.fields.UUID()
    ref = ma.fields.String(metadata={"description": "UN/PG/VARIANT"})
    un_number = ma.fields.String()
    name = ma.fields.String()
    hazard_class = ma.fields.String()
    classification_code = ma.fields.String()
    packing_group = ma.fields.String(allow_none=True)
    labels = ma.fields.String()
    special_provisions = ma.fields.String()
    tunnel_code = ma.fields.String()
    transport_category = ma.fields.String()
    carriage = ma.fields.String(allow_none=True)


class DocumentLineOut(ma.Schema):
    line = ma.fields.String()


class MixedLoadingOut(ma.Schema):
    allowed = ma.fields.Boolean()
    reasons = ma.fields.List(ma.fields.String())
    conditions = ma.fields.List(ma.fields.String())


class SmallLoadLineOut(ma.Schema):
    ref = ma.fields.String()
    transport_category = ma.fields.String(allow_none=True, metadata={"description": "ADR 1.1.3.6.3, 0-4"})
    measure = ma.fields.String(allow_none=True, metadata={"description": "kg or L, as ADR 1.1.3.6.3 counts it"})
    quantity = ma.fields.Float(allow_none=True)
    points = ma.fields.Float(allow_none=True)
    problem = ma.fields.String(allow_none=True)


class SmallLoadOut(ma.Schema):
    exempt = ma.fields.Boolean()
    points = ma.fields.Float(allow_none=True, metadata={"description": "ADR 1.1.3.6.4 total (at most 1000)"})
    lines = ma.fields.List(ma.fields.Nested(SmallLoadLineOut))
    reasons = ma.fields.List(ma.fields.String())


class TunnelCodeOut(ma.Schema):
    code = ma.fields.String(allow_none=True)
    closed = ma.fields.List(ma.fields.String())
    notes = ma.fields.List(ma.fields.String())
    small_load = ma.fields.Nested(SmallLoadOut, allow_none=True, metadata={
        "description": "ADR 1.1.3.6 for the load when quantities were given, else null"})


def _ask(refs: Sequence[str], field: str, question: Callable[[TableA], T]) -> T:
    path = Path(current_app.config["DATA_DIR"]) / current_app.config["ADR_TABLE_A_FILE"]
    try:
        return question(rules_table(db.session, refs, path))
    except EntryError as error:
        field = "query.quantity" if isinstance(error, QuantityError) else field
        raise ValidationFailed(error.args[0], errors={field: [error.args[0]]}) from None


@blp.route("/entries")
class Entries(MethodView):
    @allow(*READERS)
    @query_arguments(blp, TransportEntryQuery)
    @blp.response(200, TransportEntryOut(many=True))
    def get(self, query: dict[str, Any]) -> Any:
        """The catalogue's Table A entries of a UN number (what a waybill line's ``entry_id`` names)."""
        return db.session.scalars(select(TransportEntry).where(TransportEntry.un_number == query["un"])
                                  .order_by(TransportEntry.ref)).all()


@blp.route("/line")
class Line(MethodView):
    @allow(*READERS)
    @query_arguments(blp, DocumentLineQuery)
    @blp.response(200, DocumentLineOut)
    def get(self, query: dict[str, Any]) -> dict[str, str]:
        """The transport-document line of an entry (ADR 5.4.1.1.1)."""
        ref = f"{query['un']}/{query['pg']}" if query.get("pg") and "/" not in query["un"] else query["un"]
        return {"line": _ask([ref], "query.un", lambda table: line_of(
            table, ref, name=query.get("name"), technical_name=query.get("technical_name")))}


@blp.route("/mix")
class Mix(MethodView):
    @allow(*READERS)
    @query_arguments(blp, RuleEntriesQuery)
    @blp.response(200, MixedLoadingOut)
    def get(self, query: dict[str, Any]) -> Any:
        """Whether packages of these entries may be loaded on one vehicle (ADR 7.5.2), and why not."""
        return _ask(query["entry"], "query.entry", lambda table: mix_of(table, query["entry"]))


@blp.route("/tunnel")
class Tunnel(MethodView):
    @allow(*READERS)
    @query_arguments(blp, TunnelCodeQuery)
    @blp.response(200, TunnelCodeOut)
    def get(self, query: dict[str, Any]) -> Any:
        """The load's tunnel restriction code (ADR 8.6.3.2) and the tunnel categories closed to it (ADR 8.6.4);
        with quantities, the small-load exemption (ADR 1.1.3.6) and the code without exempt goods (8.6.3.3)."""
        return _ask(query["entry"], "query.entry", lambda table: tunnel_of(
            table, query["entry"], tank=query["tank"], explosive_mass_kg=query.get("explosive_mass_kg"),
            quantities=query.get("quantity")))
