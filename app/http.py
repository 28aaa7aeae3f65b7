"""Request plumbing shared by every endpoint: request ids, body types, and the policy gate."""
from __future__ import annotations

import re
import uuid

from flask import Flask, Request, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from app.auth import has_policy
from app.errors import DomainError, PermissionDenied
from models.engine import WRITES_EXPECTED

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Content types an endpoint accepts unless its view sets ``accepted_content_types``.
DEFAULT_CONTENT_TYPES = frozenset({"application/json"})
API_PREFIX = "/api/"
#: The OpenAPI document, the interactive docs and their assets are open to anyone.
PUBLIC_ENDPOINTS = ("api-docs.", "swagger_assets.")


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class BodyTooLarge(DomainError):
    status = 413
    code = "body_too_large"


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _expect_writes() -> None:
    """A request that may change something begins its transactions expecting writes: on SQLite, concurrent
    requests then queue for the write lock instead of failing (see :data:`models.engine.WRITES_EXPECTED`)."""
    if request.method not in _SAFE_METHODS:
        g.writes_expected = WRITES_EXPECTED.set(True)


def _writes_done(_error: BaseException | None) -> None:
    token = g.pop("writes_expected", None)
    if token is not None:  # the server's thread serves the next request with a clean context
        WRITES_EXPECTED.reset(token)


def _view():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _check_api_request() -> None:
    """Fail closed on API views without a declared policy; refuse bodies of a type the view cannot read."""
    if (not request.path.startswith(API_PREFIX) or request.endpoint is None
            or request.endpoint.startswith(PUBLIC_ENDPOINTS)):
        return
    view = _view()
    if view is None or not has_policy(view, request.method):
        raise PermissionDenied("This endpoint declares no access policy.", code="no_policy")
    if request.method in _BODY_METHODS and (request.content_length or request.headers.get("Transfer-Encoding")):
        view_class = getattr(view, "view_class", view)
        _limit_body(getattr(view_class, "max_body_bytes", None))
        accepted = getattr(view_class, "accepted_content_types", DEFAULT_CONTENT_TYPES)
        if request.mimetype not in accepted:
            raise UnsupportedMediaType(
                f"Content-Type '{request.mimetype or 'none'}' is not accepted here; send one of "
                f"{', '.join(sorted(accepted))}."
            )


def _limit_body(limit: int | None) -> None:
    """A view that reads bodies in bulk declares ``max_body_bytes`` below the application's
    ``MAX_CONTENT_LENGTH``: a longer declared body is refused (413) before anything else is done with the
    request, and a body without a declared length stops being read at the limit (werkzeug raises 413)."""
    if limit is None:
        return
    request.max_content_length = min(limit, current_app.config["MAX_CONTENT_LENGTH"] or limit)
    if request.content_length is not None and request.content_length > request.max_content_length:
        raise BodyTooLarge(f"The body has {request.content_length} bytes; send at most "
                           f"{request.max_content_length} here.")


def _tag_response(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The web pages' signed-cookie session; an API request, authenticated by its bearer token, opens none.

    The API never reads the cookie session, and opening one builds a signing serializer on every request
    (about a fiftieth of a waybill submission's Python calls, issue 5). An API request gets Flask's null session,
    which refuses writes.
    """

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.before_request(_assign_request_id)
    app.before_request(_expect_writes)
    app.teardown_request(_writes_done)
    app.before_request(_check_api_request)
    app.after_request(_tag_response)
