"""``/api/v1/ledger``: integrity of the chain, signed checkpoints, inclusion proofs."""
from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from app.api._paging import page_of
from app.api._query import PagedQuery, query_arguments
from app.api.ledger.schemas import CheckpointOut, HeadOut, VerificationOut
from app.auth import allow
from app.extensions import db
from app.services.ledger.anchoring import signed_head
from app.services.ledger.checkpoints import authority_keys, create_checkpoint, load_signing_key, prove, verify_ledger
from app.services.ledger.verification import Verification
from models import Checkpoint, Role

blp = Blueprint("ledger", __name__, description="Tamper evidence: hash chain, signed checkpoints, proofs")
AUTHORITIES = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)


@blp.route("/verify")
class Verify(MethodView):
    @allow(*AUTHORITIES)
    @blp.response(200, VerificationOut)
    def get(self) -> Verification:
        """Recompute the hash chain and check the signed checkpoints (under the authority's keys);
        ``first_bad`` names the first bad entry, ``not_checkpointed`` the entries no checkpoint covers yet."""
        return verify_ledger(db.session, authority=authority_keys(current_app.config))


@blp.route("/head")
class Head(MethodView):
    @allow(*AUTHORITIES)
    @blp.response(200, HeadOut)
    def get(self) -> dict[str, Any]:
        """The chain's head and last checkpoint, signed now by the server's key: keep copies, and check the
        ledger against one later (``hazledger ledger verify --expect-head FILE``) to catch deleted entries."""
        return signed_head(db.session, load_signing_key(current_app.config["SIGNING_KEY_PATH"]))


@blp.route("/checkpoints")
class Checkpoints(MethodView):
    @allow(*AUTHORITIES)
    @query_arguments(blp, PagedQuery)
    @blp.response(200, CheckpointOut(many=True))
    @blp.paginate()
    def get(self, _: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Checkpoint]:
        """Signed checkpoints, newest first."""
        stmt = select(Checkpoint).order_by(Checkpoint.last_sequence.desc())
        return page_of(db.session, stmt, pagination_parameters)

    @allow(Role.ADMIN)
    @blp.response(201, CheckpointOut)
    def post(self) -> Checkpoint:
        """Sign a checkpoint over every entry since the last one (409 if there is none)."""
        return create_checkpoint(db.session, load_signing_key(current_app.config["SIGNING_KEY_PATH"]))


@blp.route("/proofs/<uuid:entry_id>")
class Proof(MethodView):
    @allow(*AUTHORITIES)
    @blp.response(200)
    def get(self, entry_id: uuid.UUID) -> dict[str, Any]:
        """An inclusion proof of one entry in a signed checkpoint, to check offline (``ledger verify-proof``)."""
        return prove(db.session, entry_id)
