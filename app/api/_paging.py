"""Paging of list endpoints with flask-smorest's ``@blp.paginate()`` (``X-Pagination`` header)."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser

from app.errors import ValidationFailed
from app.i18n import Text


def page_of(session: Session, stmt: Select[Any], params: PaginationParameters) -> list[Any]:
    """One page of *stmt*'s rows; sets the total count on *params* for the header."""
    params.item_count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return list(session.scalars(stmt.limit(params.page_size).offset(params.first_item)))


#: The highest page a list serves. With at most 100 rows a page, the offset stays far inside what both databases
#: take (SQLite and PostgreSQL refuse an OFFSET past 2^63 with an error, not an empty page).
MAX_PAGE = 1_000_000


class BoundedPagingParser(FlaskParser):
    """flask-smorest's paging parser, refusing a page past :data:`MAX_PAGE` (422, as for any invalid field)."""

    def parse(self, argmap: Any, req: Any = None, **kwargs: Any) -> Any:
        params = super().parse(argmap, req, **kwargs)
        if params.page > MAX_PAGE:
            raise ValidationFailed("The request has invalid fields.", code="validation_failed",
                                   errors={"page": [Text("Must be less than or equal to {max_page}.",
                                                         max_page=MAX_PAGE)]})
        return params


def document_page_bound(_converter: Any, field: ma.fields.Field, **_kwargs: Any) -> dict[str, Any]:
    """An apispec attribute function: the paging parameters' ``page`` documents :data:`MAX_PAGE`."""
    if field.name == "page" and type(field.parent).__name__ == "PaginationParametersSchema":
        return {"maximum": MAX_PAGE}
    return {}


def init_app() -> None:
    """Bound the page of every paged list (the parser is flask-smorest's documented point of extension)."""
    Blueprint.PAGINATION_ARGUMENTS_PARSER = BoundedPagingParser()
