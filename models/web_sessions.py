"""The web pages' sign-ins, kept in the database so that every server process sees the same: the sessions open
(signing out deletes one, which ends it everywhere, whatever copy of its cookie was kept) and the recent failed
sign-ins (throttling counts them across processes)."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt, UuidPk


class WebSession(Base):
    """A signed-in session: its id (random) is in the signed cookie, and the cookie admits only while the row
    is here."""

    __tablename__ = "web_sessions"

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[CreatedAt] = mapped_column(index=True)


class SignInFailure(Base):
    """One failed sign-in for a name from an address; forgotten once older than the throttling window."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_name_address", "name", "address", "failed_at"),)

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64), comment="the client's IP address")
    failed_at: Mapped[dt.datetime] = mapped_column(index=True)
