"""Who is signed in to the pages, and which roles may open each one.

The session cookie carries the id of a session open in the database (:mod:`app.services.web_sessions`: signing
out closes it for good) and a fingerprint of the user's password hash: changing the password (or deactivating
the user) ends every session signed in with the old one. Each view declares its roles with
:func:`roles` (or is :func:`app.auth.public`); the blueprint's gate refuses a view that declares neither.
"""
from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from app.auth import POLICY_ATTR
from app.errors import PermissionDenied
from app.extensions import db
from app.i18n import N_
from app.services import web_sessions
from models import Role, User

F = TypeVar("F", bound=Callable[..., Any])
AUTHORITIES = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
EVERYONE = (*AUTHORITIES, Role.ENTERPRISE)
#: Control characters (C0, DEL, C1) and the backslash: never in a ``next`` page (see :func:`safe_next`).
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def password_fingerprint(user: User) -> str:
    """A short digest of the stored hash (never the hash itself) to bind the session to this password."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def sign_in(user: User, session_id: uuid.UUID) -> None:
    """Start the session *session_id* (opened in the database) for *user*: a fresh cookie, nothing of the
    anonymous one kept."""
    session.clear()
    session.permanent = True
    session.update(sid=str(session_id), pw=password_fingerprint(user))


def _session_id() -> uuid.UUID | None:
    try:
        return uuid.UUID(session.get("sid", ""))
    except ValueError:
        return None


def sign_out(*, close: bool = False) -> None:
    """Forget the cookie's session; with *close*, end it in the database too (signing out), so no kept copy
    of the cookie admits again."""
    session_id = _session_id()
    if close and session_id is not None:
        web_sessions.close_session(db.session, session_id)
    session.clear()


def load_signed_in_user() -> None:
    """Put the session's user on ``g.web_user``, or None (and forget the session) if it no longer holds: closed
    (signed out), the user deactivated, or the password changed since."""
    g.web_user = None
    session_id = _session_id()
    if session_id is None:
        return
    user = web_sessions.session_user(db.session, session_id)
    if user is None or not user.active or session.get("pw") != password_fingerprint(user):
        sign_out()
        return
    g.web_user = user


def web_user() -> User:
    """The signed-in user (inside a :func:`roles`-wrapped view)."""
    return g.web_user


def roles(*allowed: Role) -> Callable[[F], F]:
    """Let signed-in users of the *allowed* roles open the page; others sign in first, or get 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = g.get("web_user")
            if user is None:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if user.role not in allowed:
                raise PermissionDenied("Your role may not open this page.")
            return view(*args, **kwargs)

        setattr(wrapper, POLICY_ATTR, frozenset(allowed))
        return wrapper  # type: ignore[return-value]

    return decorate


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[Role, ...]


NAVIGATION = (
    NavItem("web.dashboard", N_("Dashboard"), (Role.ADMIN, Role.SUPERVISOR)),
    NavItem("web.waybills", N_("Waybills"), EVERYONE),
    NavItem("web.trace_index", N_("Batch trace"), AUTHORITIES),
    NavItem("web.risk_map", N_("Risk map"), AUTHORITIES),
    NavItem("web.manifests", N_("Waste manifests"), EVERYONE),
    NavItem("web.registry_list", N_("Registry"), EVERYONE),
    NavItem("web.users", N_("Users"), (Role.ADMIN,)),
    NavItem("web.catalogue_import", N_("Catalogue import"), (Role.ADMIN,)),
    NavItem("web.firm_home", N_("My enterprise"), (Role.ENTERPRISE,)),
    NavItem("web.new_waybill", N_("New waybill"), (Role.ENTERPRISE,)),
    NavItem("web.new_batch", N_("Register batch"), (Role.ENTERPRISE,)),
    NavItem("web.new_movement", N_("Register movement"), (Role.ENTERPRISE,)),
)


def navigation() -> list[NavItem]:
    """The menu of the signed-in user's role."""
    user = g.get("web_user")
    return [item for item in NAVIGATION if user is not None and user.role in item.roles]


#: Where each role lands after signing in: the page of its daily work.
HOME = {Role.ADMIN: "web.dashboard", Role.SUPERVISOR: "web.dashboard", Role.AUDITOR: "web.trace_index",
        Role.ENTERPRISE: "web.firm_home"}


def home_endpoint(user: User) -> str:
    return HOME[user.role]


def safe_next(target: str | None, fallback: str) -> str:
    """*target* if it is a path on this site, else *fallback*: no open redirect (the one check behind every
    ``next``: signing in, the sign-in page of a signed-in user, choosing the language).

    Judged as a browser will read it (WHATWG URL parsing): browsers drop tabs and newlines anywhere in a URL and
    read ``\\`` as ``/``, so ``/\t/evil.example`` is ``//evil.example``, another host. A target with any control
    character or backslash is refused outright (a newline would also break the ``Location`` header); what is left
    must be a path (no scheme, no host) that does not begin with ``//``.
    """
    if not target or _UNSAFE_IN_NEXT.search(target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return fallback
    return target
