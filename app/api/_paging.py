"""Paging of list endpoints with flask-smorest's ``@blp.paginate()`` (``X-Pagination`` header)."""
from __future__ import annotations

from typing import Any

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def page_of(session: Session, stmt: Select[Any], params: PaginationParameters) -> list[Any]:
    """One page of *stmt*'s rows; sets the total count on *params* for the header."""
    params.item_count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(session.scalars(stmt.limit(params.page_size).offset(params.first_item)))
