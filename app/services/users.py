"""Creating users and issuing their API tokens."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import hash_token, new_token
from app.errors import Conflict, ValidationFailed
from app.services import unit_of_work
from models import ApiToken, Department, Enterprise, Role, User
from models.types import utcnow


def create_user(
    session: Session, name: str, role: Role, *, department: Department | None = None,
    enterprise_id: uuid.UUID | None = None,
) -> User:
    """Register a user; a supervisor needs a department, an enterprise user an enterprise."""
    errors: dict[str, list[str]] = {}
    if (role is Role.SUPERVISOR) != (department is not None):
        errors["department"] = ["required for a supervisor, and only for one"]
    if (role is Role.ENTERPRISE) != (enterprise_id is not None):
        errors["enterprise"] = ["required for an enterprise user, and only for one"]
    elif enterprise_id is not None and session.get(Enterprise, enterprise_id) is None:
        errors["enterprise"] = [f"no enterprise {enterprise_id}"]
    if errors:
        raise ValidationFailed("The user cannot be created.", errors=errors)
    with unit_of_work(session):
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise Conflict(f"A user named {name!r} exists already.", errors={"name": ["already taken"]})
        user = User(name=name, role=role, department=department, enterprise_id=enterprise_id)
        session.add(user)
    return user


def issue_token(session: Session, user: User, *, ttl_days: int | None) -> str:
    """Create a token for *user* and return it; only its hash is kept, so this is the one chance to see it."""
    token = new_token()
    expires = utcnow() + dt.timedelta(days=ttl_days) if ttl_days else None
    with unit_of_work(session):
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:12], expires_at=expires))
    return token
