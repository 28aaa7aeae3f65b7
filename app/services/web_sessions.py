"""The web pages' sessions and the throttling of failed sign-ins, kept in the database.

A session cookie is signed, so it cannot be forged, but until now it was its own proof: a copy saved before
signing out admitted its holder after it, until it expired. Each sign-in now opens a :class:`WebSession` row
whose random id the cookie carries; a request is signed in only while that row exists, and signing out deletes
it, in every server process at once. Failed sign-ins are rows too (:class:`SignInFailure`), counted per name and
address over the throttling window, so a second server process behind the same address refuses the same guesses.
Both tables prune themselves: a session older than its lifetime (its cookie has expired anyway) when another
opens, a failure older than the window when another is recorded.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from app.services import unit_of_work
from models import SignInFailure, User, WebSession
from models.types import utcnow

#: Built once: every signed-in page view runs it.
_SESSION_USER = select(User).join(WebSession, WebSession.user_id == User.id).where(
    WebSession.id == bindparam("session_id"))


def open_session(session: Session, user: User, lifetime: dt.timedelta) -> uuid.UUID:
    """A new session of *user*, committed; its id (for the cookie). Sessions older than *lifetime* go."""
    with unit_of_work(session):
        session.execute(delete(WebSession).where(WebSession.created_at < utcnow() - lifetime))
        opened = WebSession(id=uuid.uuid4(), user_id=user.id)
        session.add(opened)
    return opened.id


def session_user(session: Session, session_id: uuid.UUID) -> User | None:
    """The user of the open session *session_id*, or None once it was closed (or never was)."""
    return session.scalars(_SESSION_USER, {"session_id": session_id}).one_or_none()


def close_session(session: Session, session_id: uuid.UUID) -> None:
    """End the session for good: no copy of its cookie admits any more."""
    with unit_of_work(session):
        session.execute(delete(WebSession).where(WebSession.id == session_id))


def recent_failures(session: Session, name: str, address: str, window: dt.timedelta) -> int:
    """Failed sign-ins of *name* from *address* within the last *window*."""
    return session.scalar(select(func.count()).select_from(SignInFailure).where(
        SignInFailure.name == name, SignInFailure.address == address,
        SignInFailure.failed_at > utcnow() - window))


def record_failure(session: Session, name: str, address: str, window: dt.timedelta) -> None:
    """Count a failed sign-in (committed); failures older than *window* go."""
    now = utcnow()
    with unit_of_work(session):
        session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - window))
        session.add(SignInFailure(name=name, address=address, failed_at=now))


def forget_failures(session: Session, name: str, address: str) -> None:
    """A successful sign-in clears the pair's failures (committed with the session it opens, or alone)."""
    with unit_of_work(session):
        session.execute(delete(SignInFailure).where(SignInFailure.name == name, SignInFailure.address == address))
