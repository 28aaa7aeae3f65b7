"""Creating users, issuing their API tokens, and their passwords for the web sign-in."""
from __future__ import annotations

import datetime as dt
import functools
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from app.tokens import hash_token, new_token
from models import ApiToken, Department, Enterprise, Role, User
from models.types import utcnow

PASSWORD_LENGTH = (10, 200)
# werkzeug.security is imported where a password is hashed or checked: werkzeug's package brings its server and
# test client with it, which `users create` without --password does not need (issue 18).


@functools.cache
def dummy_password_hash() -> str:
    """Checked against when the name is unknown, so an unknown name costs the same time as a wrong password.

    Made on first need, not on import (a third of a second of scrypt that every command paid); ``hazledger
    serve`` makes it when it starts, so no sign-in is the one that waits for it."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not a password of anyone")


def create_user(
    session: Session, name: str, role: Role, *, department: Department | None = None,
    enterprise_id: uuid.UUID | None = None,
) -> User:
    """Register a user; a supervisor needs a department, an enterprise user an enterprise."""
    errors: dict[str, list[str]] = {}
    if (role is Role.SUPERVISOR) != (department is not None):
        errors["department"] = [N_("required for a supervisor, and only for one")]
    if (role is Role.ENTERPRISE) != (enterprise_id is not None):
        errors["enterprise"] = [N_("required for an enterprise user, and only for one")]
    elif enterprise_id is not None and session.get(Enterprise, enterprise_id) is None:
        errors["enterprise"] = [Text("no enterprise {enterprise_id}", enterprise_id=enterprise_id)]
    if errors:
        raise ValidationFailed("The user cannot be created.", errors=errors)
    with unit_of_work(session):
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise Conflict(Text("A user named {name!r} exists already.",
                                name=name), errors={"name": [N_("already taken")]})
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


def check_password(password: str) -> str:
    """*password* if it may be used, else a 422 naming the rule it breaks."""
    low, high = PASSWORD_LENGTH
    if not low <= len(password) <= high:
        raise ValidationFailed("The password is refused.", errors={"password": [Text("{low} to {high} characters",
                                                                                     low=low, high=high)]})
    return password


def set_password(session: Session, user: User, password: str) -> None:
    """Give *user* a web password, stored as a salted scrypt hash (werkzeug's default KDF)."""
    from werkzeug.security import generate_password_hash

    check_password(password)
    with unit_of_work(session):
        user.password_hash = generate_password_hash(password)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user *name* if *password* is theirs, else ``None``: the caller cannot tell which part was wrong.

    The hash is checked even for an unknown or password-less name, so timing does not reveal which names exist.
    """
    from werkzeug.security import check_password_hash

    user = session.scalars(select(User).where(User.name == name)).one_or_none()
    stored = user.password_hash if user is not None and user.password_hash else dummy_password_hash()
    matches = check_password_hash(stored, password)
    if user is None or not user.active or not user.password_hash or not matches:
        return None
    return user
