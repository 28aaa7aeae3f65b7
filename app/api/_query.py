"""Query strings, one rule for every endpoint: a parameter the endpoint does not know is a 422.

webargs drops unknown query parameters by default, so ``/permits?enterprise=…`` once answered every permit to a
client that believed it had filtered. Every ``@blp.arguments(…, location="query")`` goes through
:func:`query_arguments`, which refuses them; ``tests/app/test_query_parameters.py`` holds every documented
query of the OpenAPI document to it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

#: Read by ``@blp.paginate()`` with a parser of its own; a paged list's filters let them through.
PAGING = ("page", "page_size")


def query_arguments(blp: Blueprint, schema: type[ma.Schema] | ma.Schema) -> Callable[[Any], Any]:
    """``@blp.arguments(schema, location="query")``, an unknown parameter refused with 422 at its name."""
    return blp.arguments(schema, location="query", unknown=ma.RAISE)


class PagedQuery(ma.Schema):
    """The filters of a paged list: known besides them are only the paging parameters."""

    @ma.pre_load
    def _without_paging(self, data: Any, **_: Any) -> dict[str, Any]:
        return {name: data[name] for name in data if name not in PAGING}
