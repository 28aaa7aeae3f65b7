"""One error contract: every error leaves as ``application/problem+json`` (RFC 9457).

Views and services raise :class:`~app.errors.DomainError` subclasses (or let werkzeug raise ``HTTPException``);
the handlers here turn both into a problem document with ``type``, ``title``, ``status``, ``detail``,
``instance``, a stable machine ``code``, the request id, and for validation failures ``errors``
(field path -> messages). Nothing else, and never a stack trace, reaches the client.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, Response, g, json, request
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.errors import DomainError, flatten_messages
from app.i18n import localize
from app.library_messages import with_values

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"


class ProblemSchema(ma.Schema):
    """The problem document (documentation only; see :func:`problem`)."""

    type = ma.fields.String(metadata={"description": "URI identifying the problem type"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String()
    code = ma.fields.String(metadata={"description": "stable machine-readable code"})
    request_id = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "field path -> messages"},
    )


def problem(
    status: int, detail: str, *, code: str | None = None, errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Build a problem+json response, its detail and field messages in the reader's language (app/i18n.py)."""
    title = HTTPStatus(status).phrase
    code = code or title.lower().replace(" ", "_").replace("-", "_")
    body: dict[str, Any] = {
        "type": f"urn:hazledger:problem:{code}",
        "title": title,
        "status": status,
        "detail": localize(detail),
        "instance": request.path,
        "code": code,
        "request_id": g.get("request_id"),
    }
    if errors:
        body["errors"] = {path: [localize(with_values(message)) for message in messages]
                          for path, messages in errors.items()}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    return response


def _webargs_errors(error: HTTPException) -> dict[str, list[str]] | None:
    """Field messages webargs attached to a 422: the body's fields by name, others by location."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return None
    flat: dict[str, list[str]] = {}
    for location, fields in messages.items():
        flat.update(flatten_messages(fields, "" if location in ("json", "form") else location))
    return flat


class ProblemApi(Api):
    """flask-smorest's Api with the problem+json contract in place of its default error payload."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        status = error.code or 500
        if status >= 500:
            return problem(500, "The server could not complete the request; it has been logged.")
        data = getattr(error, "data", None) or {}
        errors = _webargs_errors(error)
        if status == 400 and errors:  # webargs' only 400 is a body it could not parse
            return problem(400, "The request body is not valid JSON.", code="malformed_json", errors=errors)
        if status == 422:
            return problem(422, "The request has invalid fields.", code="validation_failed", errors=errors)
        return problem(status, error.description or HTTPStatus(status).phrase, headers=data.get("headers"))


def init_app(app: Flask) -> None:
    """Register the handlers for domain errors and anything unexpected."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return problem(error.status, error.detail, code=error.code, errors=error.errors, headers=headers)

    @app.errorhandler(IntegrityError)
    def _constraint(error: IntegrityError) -> Response:
        # The services check uniqueness and references first; this catches the race between two requests.
        log.warning("constraint violation on %s %s: %s", request.method, request.path, error.orig)
        return problem(409, "The request conflicts with data written at the same time; reload and retry.",
                       code="conflict")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error: OperationalError | InterfaceError) -> Response:
        # The database restarting, unreachable or busy. The use case's transaction was rolled back, or (the link
        # broke during COMMIT) is in doubt, which idempotent requests (fix uploads, Idempotency-Key) absorb: the
        # client should retry, which a 503 says and a 500 (the request itself is at fault) would not.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        return problem(503, "The database is unavailable for a moment; retry the request.",
                       code="database_unavailable", headers={"Retry-After": "1"})

    # HTTPExceptions have their own, more specific handler (ProblemApi); this is for the rest.
    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s (request %s)", request.method, request.path, g.get("request_id"))
        return problem(500, "The server could not complete the request; it has been logged.")
