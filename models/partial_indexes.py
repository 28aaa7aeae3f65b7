"""Partial indexes on both backends, declared without loading SQLAlchemy's PostgreSQL dialect.

SQLAlchemy checks a dialect keyword of a construct (``postgresql_where=``) against that dialect's
``construct_arguments`` when the construct is made, and loads the dialect's package to read them: every command that
declared the ledger's models loaded ``sqlalchemy.dialects.postgresql`` (with its asyncpg, pg8000 and psycopg
modules), 0.06-0.2 s of its start-up on SQLite (issue 18). A partial index is therefore declared with its clause
in ``Index.info`` and SQLite's keyword (SQLite's dialect is loaded by any SQLite engine); the PostgreSQL keyword is
set through the index's writable ``dialect_kwargs`` (SQLAlchemy's ``DialectKWArgs``) where a PostgreSQL dialect is
in use anyway: before a table is created on PostgreSQL (the ``before_create`` DDL event) and before Alembic compares
or renders the schema there (``migrations/env.py``). The migrations declare both keywords, as before.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Index, Table, event, text

WHERE = "where"  #: the key of an index's ``info`` holding its clause


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the rows where *where* holds (SQL valid on SQLite and PostgreSQL)."""
    return Index(name, *columns, unique=unique, sqlite_where=text(where), info={WHERE: where})


def for_postgresql(tables: Iterable[Table]) -> None:
    """Give the partial indexes of *tables* their PostgreSQL clause (this loads SQLAlchemy's PostgreSQL dialect)."""
    for table in tables:
        for index in table.indexes:
            if WHERE in index.info:
                index.dialect_kwargs["postgresql_where"] = text(index.info[WHERE])


@event.listens_for(Table, "before_create")
def _before_create(table: Table, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        for_postgresql([table])
