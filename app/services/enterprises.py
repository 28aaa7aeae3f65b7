"""Registering and reading enterprises."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.services import unit_of_work
from models import Enterprise, Role, User


def visible_enterprises(user: User) -> Select[tuple[Enterprise]]:
    """Enterprises *user* may see: all for the authorities, only its own for an enterprise user."""
    stmt = select(Enterprise).order_by(Enterprise.name, Enterprise.id)
    if user.role is Role.ENTERPRISE:
        stmt = stmt.where(Enterprise.id == user.enterprise_id)
    return stmt


def get_enterprise(session: Session, user: User, enterprise_id: uuid.UUID) -> Enterprise:
    enterprise = session.scalars(visible_enterprises(user).where(Enterprise.id == enterprise_id)).one_or_none()
    if enterprise is None:
        raise NotFound(f"No enterprise {enterprise_id}.")
    return enterprise


def register_enterprise(session: Session, data: dict[str, Any]) -> Enterprise:
    with unit_of_work(session):
        if session.scalar(select(Enterprise.id).where(Enterprise.uscc == data["uscc"])) is not None:
            raise Conflict(f"An enterprise with USCC {data['uscc']} is already registered.",
                           errors={"uscc": ["already registered"]})
        enterprise = Enterprise(**data)
        session.add(enterprise)
    return enterprise
