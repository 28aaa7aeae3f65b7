"""``/api/v1/counterparties``: the directory of enterprises a consignment list or waybill may name."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api.waybills.routes import READERS
from app.api._query import PagedQuery, query_arguments
from app.auth import allow
from app.extensions import db
from app.services.counterparties import Counterparty, directory_query, with_sites
from models import EnterpriseRole

blp = Blueprint("counterparties", __name__, description=(
    "Every active enterprise with its name, USCC, roles and active sites: what a shipper or carrier needs to name "
    "its consignee, carrier and unloading site (the registry shows an enterprise only its own records)"))


class CounterpartyQuery(PagedQuery):
    role = ma.fields.Enum(EnterpriseRole, by_value=True, metadata={"description": "e.g. carrier"})
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200), metadata={"description": "contains"})


class ListedSiteOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    kind = ma.fields.String()
    address = ma.fields.String()


class CounterpartyOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    uscc = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    sites = ma.fields.List(ma.fields.Nested(ListedSiteOut))


@blp.route("")
class Counterparties(MethodView):
    @allow(*READERS)
    @query_arguments(blp, CounterpartyQuery)
    @blp.response(200, CounterpartyOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Counterparty]:
        """Active enterprises by name, each with its active sites; nothing private (no permits, people,
        vehicles, stock or coordinates)."""
        page = page_of(db.session, directory_query(query.get("role"), query.get("name")), pagination_parameters)
        return with_sites(db.session, page)
