"""The web blueprint and what every page shares: the signed-in user, the policy gate, CSRF, headers, errors."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from app.auth import has_policy
from app.errors import DomainError, PermissionDenied
from app.services.alert_text import alert_title_html
from app.services.waybills.kept_warnings import warning_message
from app.web import csrf, i18n
from app.web.access import load_signed_in_user, navigation

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

#: Pages run no inline script or style: everything comes from this origin (the system is air-gapped anyway).
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")


@bp.before_request
def _gate() -> None:
    """Fail closed: a page without a declared policy is refused, as API views are; then check CSRF."""
    if request.endpoint == "web.static":
        return
    load_signed_in_user()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not has_policy(view, request.method):
        raise PermissionDenied("This page declares no access policy.", code="no_policy")
    csrf.check()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")  # pages show who is signed in and their data
    return response


@bp.app_context_processor
def _page_context() -> dict[str, object]:
    return {"t": i18n.translate_html, "label": i18n.label, "lang": i18n.current_language(),
            "alert_title": alert_title_html, "warning_message": warning_message,
            "csrf_token": csrf.token, "user": g.get("web_user"), "navigation": navigation}


@bp.app_template_filter("data")
def _data(value: object) -> Markup:
    """A data value (a name, an address, a code) marked as not to be translated: the page's language test reads
    around it, as translation tools do (``translate="no"``)."""
    return Markup('<span translate="no">{}</span>').format("" if value is None else value)


@bp.app_template_test("data")
def _is_data(value: object) -> bool:
    """``{% if text is data %}``: *text* is a data value (:class:`app.web.i18n.Data`), not a word of the page."""
    return isinstance(value, i18n.Data)


@bp.app_template_filter("localtime")
def _localtime(value: object, precision: str = "minutes") -> str:
    return i18n.local_time(value, precision)


def _error_page(status: int, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, detail=detail), status


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> tuple[str, int]:
    # Pages answer in HTML; the API keeps problem+json (app/errors.py). Messages name no hidden record.
    return _error_page(error.status, error.detail)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[str, int]:
    return _error_page(error.code or 500, error.description or "")


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error on %s %s (request %s)", request.method, request.path, g.get("request_id"))
    return _error_page(500, "The server could not complete the request; it has been logged.")
