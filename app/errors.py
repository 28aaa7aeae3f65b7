"""The errors a client can act on: views and services raise :class:`DomainError` subclasses.

Each fixes an HTTP status and a stable machine code; app/problems.py turns them (and werkzeug's
``HTTPException``) into the one error contract, ``application/problem+json``. Kept apart from it, and free of
marshmallow and flask-smorest, so the services and the command line import them without the web stack (issue 18:
a command's start-up).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """An error a client can act on. Subclasses fix the HTTP status and the machine code."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, errors: Mapping[str, list[str]] | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors) if errors else None
        if code:
            self.code = code


class MalformedBody(DomainError):
    """A body that is not what its Content-Type says (a view that parses its own body raises this)."""

    status = 400
    code = "malformed_json"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    """A conditional request (``If-Match``) whose condition no longer holds (RFC 9110 §13.1.1)."""

    status = 412
    code = "precondition_failed"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into ``{"lines.0.quantity": ["..."]}`` (those with values as
    :class:`~app.i18n.Text`, to be shown in the reader's language)."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, path))
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        # Imported here: the messages' catalogue imports Flask and Babel, which the command line's error handler
        # (every command, ``route check`` too) would otherwise pay for at start-up (issue 18).
        from app.library_messages import with_values

        return {prefix or "_schema": [with_values(message) for message in messages]}
    return {prefix or "_schema": [str(messages)]}
