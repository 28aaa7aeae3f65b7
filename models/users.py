"""Users, their roles, and how they authenticate: API tokens, and a password for the web pages."""
from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enterprise import Enterprise
from models.types import CreatedAt, UuidPk


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ENTERPRISE = "enterprise"


class Department(enum.StrEnum):
    """The city departments that supervise; they share one record."""

    TRANSPORT = "transport"
    EMERGENCY_MANAGEMENT = "emergency_management"
    PUBLIC_SECURITY = "public_security"
    MARKET_SUPERVISION = "market_supervision"
    ECOLOGY_ENVIRONMENT = "ecology_environment"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'enterprise') = (enterprise_id IS NOT NULL)", name="enterprise_user_has_enterprise"
        ),
        CheckConstraint(
            "(role = 'supervisor') = (department IS NOT NULL)", name="supervisor_has_department"
        ),
    )

    id: Mapped[UuidPk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role]
    department: Mapped[Department | None]
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(
        String(200), comment="werkzeug scrypt hash for the web sign-in; none: API tokens only")
    created_at: Mapped[CreatedAt]

    enterprise: Mapped[Enterprise | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.name} {self.role}>"


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="hex SHA-256 of the token")
    prefix: Mapped[str] = mapped_column(String(12), comment="first characters, to tell tokens apart")
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
