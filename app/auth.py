"""Authentication by bearer token and the access policy every API endpoint declares.

Each API view is wrapped by :func:`allow` (named roles) or :func:`public`. A request to an API endpoint
that declares neither is refused (fail closed), so a forgotten decorator cannot open an endpoint.
"""
from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request
from sqlalchemy import bindparam, select

from app.errors import NotFound, PermissionDenied, Unauthenticated
from app.extensions import db
from app.i18n import Text
from app.tokens import hash_token
from models import ApiToken, Role, User
from models.types import utcnow

F = TypeVar("F", bound=Callable[..., Any])

_BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-]{16,128})$")
POLICY_ATTR = "_hazledger_policy"


#: Built once: every API request runs it, bound to the presented token's hash. The user is the one object
#: loaded; of the token only what decides whether it still admits.
_TOKEN = select(User, ApiToken.revoked_at, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("token_hash"))


def _authenticate() -> User:
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthenticated("Authentication required: send 'Authorization: Bearer <token>'.")
    match = _BEARER.match(header)
    if not match:
        raise Unauthenticated("Malformed Authorization header: expected 'Bearer <token>'.")
    found = db.session.execute(_TOKEN, {"token_hash": hash_token(match[1])}).one_or_none()
    if found is None or found.revoked_at is not None or not found.User.active:
        raise Unauthenticated("Invalid or revoked token.", code="invalid_token")
    if found.expires_at is not None and found.expires_at <= utcnow():
        raise Unauthenticated("The token has expired.", code="token_expired")
    return found.User


def current_user() -> User:
    """The authenticated user of this request (only inside an :func:`allow`-wrapped view)."""
    return g.user


def allow(*roles: Role) -> Callable[[F], F]:
    """Let the named roles call the view; everyone else gets 401 (no or bad token) or 403 (wrong role)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = _authenticate()
            if user.role not in roles:
                raise PermissionDenied(Text("The role '{role}' may not do this.", role=user.role))
            g.user = user
            return view(*args, **kwargs)

        setattr(wrapper, POLICY_ATTR, frozenset(roles))
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view as open to anyone (health, the OpenAPI document)."""
    setattr(view, POLICY_ATTR, "public")
    return view


def has_policy(view: Callable[..., Any], method: str) -> bool:
    """Whether *view* (a function or a MethodView) declares a policy for *method*."""
    view_class = getattr(view, "view_class", None)
    target = getattr(view_class, method.lower(), None) if view_class else view
    return target is not None and hasattr(target, POLICY_ATTR)


def scope_to_enterprise(user: User, enterprise_ids: set[uuid.UUID | None] | uuid.UUID | None) -> None:
    """Hide a record from an enterprise user who is not one of its parties.

    Raises NotFound, not PermissionDenied: an enterprise must not learn that another's record exists.
    """
    if user.role is not Role.ENTERPRISE:
        return
    ids = enterprise_ids if isinstance(enterprise_ids, set) else {enterprise_ids}
    if user.enterprise_id not in ids:
        raise NotFound("No such record.")
