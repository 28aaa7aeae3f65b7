"""``/api/v1/waste-codes``: the 国家危险废物名录 codes a declaration may name (the shipped table and those an
administrator added), and an administrator's addition."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import select

from app.api._fields import no_nul
from app.api._registry import ADMIN_ONLY, READERS
from app.auth import allow, current_user
from app.extensions import db
from app.services import unit_of_work
from app.services.waste.codes import EDITIONS, add_code, codes
from models import AddedWasteCode
from models.waste import CHARACTERISTICS

blp = Blueprint("waste_codes", __name__, url_prefix="waste-codes",
                description="国家危险废物名录 codes a waste declaration may name")


class WasteCodeIn(ma.Schema):
    code = ma.fields.String(required=True, validate=[validate.Length(min=1, max=10), no_nul],
                            metadata={"description": "eight-digit code, e.g. 261-057-34 or 900-000-49"})
    characteristics = ma.fields.List(ma.fields.String(validate=validate.OneOf(CHARACTERISTICS)), required=True,
                                     validate=validate.Length(min=1, max=5))
    description_zh = ma.fields.String(required=True, validate=[validate.Length(min=1, max=500), no_nul])
    edition = ma.fields.String(required=True, validate=validate.OneOf([e for e, _ in EDITIONS]))
    reason = ma.fields.String(required=True, validate=[validate.Length(min=1, max=500), no_nul],
                              metadata={"description": "where the code comes from (the 名录's text, a test report)"})


class WasteCodeOut(ma.Schema):
    code = ma.fields.String()
    category = ma.fields.String()
    characteristics = ma.fields.List(ma.fields.String())
    description_zh = ma.fields.String()
    verified_editions = ma.fields.List(ma.fields.String())
    added_by_admin = ma.fields.Boolean()


def _out(added: AddedWasteCode) -> dict[str, Any]:
    return {"code": added.code, "category": added.category, "characteristics": added.characteristics,
            "description_zh": added.description_zh, "verified_editions": [added.edition], "added_by_admin": True}


@blp.route("")
class WasteCodes(MethodView):
    @allow(*READERS)
    @blp.response(200, WasteCodeOut(many=True))
    @blp.doc(summary="Every code a declaration may name: the shipped table's, then those administrators added")
    def get(self) -> list[Any]:
        added = db.session.scalars(select(AddedWasteCode).order_by(AddedWasteCode.code))
        return [*codes().values(), *(_out(a) for a in added)]

    @allow(*ADMIN_ONLY)
    @blp.arguments(WasteCodeIn)
    @blp.response(201, WasteCodeOut)
    @blp.doc(summary="Add a code the shipped table does not have, with its edition and the reason (admin)")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        with unit_of_work(db.session):
            added = add_code(db.session, current_user().id, **data)
        return _out(added)
