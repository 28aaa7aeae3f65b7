"""``GET /healthz``: 200 when the database answers, 503 otherwise."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.problems import problem
from app.extensions import db

blp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@blp.get("/healthz")
def healthz() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        return problem(503, "The database does not answer.", code="database_unavailable")
    return jsonify(status="ok")
