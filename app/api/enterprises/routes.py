"""``/api/v1/enterprises``."""
from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api.enterprises.schemas import EnterpriseIn, EnterpriseOut
from app.auth import allow, current_user
from app.extensions import db
from app.services import enterprises as service
from models import Enterprise, Role

blp = Blueprint("enterprises", __name__, description="Chemical firms, carriers and disposers")
ANYONE = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)


@blp.route("")
class Enterprises(MethodView):
    @allow(*ANYONE)
    @blp.response(200, EnterpriseOut(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: PaginationParameters) -> list[Enterprise]:
        """List the enterprises the caller may see."""
        return page_of(db.session, service.visible_enterprises(current_user()), pagination_parameters)

    @allow(Role.ADMIN)
    @blp.arguments(EnterpriseIn)
    @blp.response(201, EnterpriseOut)
    def post(self, data: dict[str, Any]) -> Enterprise:
        """Register an enterprise (administrators)."""
        return service.register_enterprise(db.session, data)


@blp.route("/<uuid:enterprise_id>")
class EnterpriseById(MethodView):
    @allow(*ANYONE)
    @blp.response(200, EnterpriseOut)
    def get(self, enterprise_id: uuid.UUID) -> Enterprise:
        """One enterprise; an enterprise user sees only its own (404 for the others)."""
        return service.get_enterprise(db.session, current_user(), enterprise_id)
