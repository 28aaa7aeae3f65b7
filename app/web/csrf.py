"""CSRF protection: one random token per session, required on every state-changing request to a page.

The token lives in the signed session cookie and is sent back in a hidden form field (or the
``X-CSRF-Token`` header); a cross-site form cannot read it. Compared in constant time.
"""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

from app.errors import DomainError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfFailed(DomainError):
    status = 400
    code = "csrf_failed"


def token() -> str:
    """This session's token, created on first use."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def check() -> None:
    """Refuse an unsafe request whose token is missing or is not this session's."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    expected = session.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed("The form has expired or did not come from this site; reload the page and try again.")


def renew() -> None:
    """A new token (after signing in), so a token planted before authentication is worthless."""
    session[FIELD] = secrets.token_urlsafe(32)
