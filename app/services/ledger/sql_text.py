"""SQL expressions that hand stored values over as the text (or integers) the ledger's exports print.

A 10,000-entry trace (issue #4: < 200 ms) spends most of its time, if read as typed values, in the driver
building UUID, Decimal and datetime objects only for Python to turn them straight back into text. These
constructs have the database render them instead, each exactly as Python would:

- :class:`uuid_text`: ``str(uuid)``, lowercase hyphenated (SQLite stores the 32 hex digits SQLAlchemy's ``Uuid``
  writes; PostgreSQL's ``uuid`` prints this form itself);
- :class:`iso_text`: ``datetime.isoformat()`` of a UTC time: ``2026-01-01T08:00:00.123456+00:00``, no fraction
  when the microseconds are zero (SQLite stores ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, see ``models/types.py``);
- :class:`grams`: a quantity as exact integer grams (what SQLite stores), for sums without Decimal;
- :class:`uuid_key`: an id as whatever text the database holds it in (SQLite's 32 hex digits, PostgreSQL's
  hyphenated text), for ids that only join rows to rows in Python and are never printed.

NULL stays NULL. ``tests/app/ledger/test_trace.py`` compares each with Python's rendering on both backends.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# Lowercase class names: they read as the SQL functions they stand for (SQLAlchemy's own convention).


class uuid_text(FunctionElement[str]):
    type = String()
    inherit_cache = True


class iso_text(FunctionElement[str]):
    type = String()
    inherit_cache = True


class uuid_key(FunctionElement[str]):
    type = String()
    inherit_cache = True


class grams(FunctionElement[int]):
    type = BigInteger()
    inherit_cache = True


def _argument(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(uuid_text, "postgresql")
def _uuid_text_postgresql(element: uuid_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_argument(element, compiler, **kw)} AS TEXT)"


@compiles(uuid_text, "sqlite")
def _uuid_text_sqlite(element: uuid_text, compiler: SQLCompiler, **kw: Any) -> str:
    value = _argument(element, compiler, **kw)
    parts = ", ".join([value, *(f"substr({value}, {start})" for start in (9, 13, 17, 21))])
    # printf renders NULL as '': keep NULL NULL.
    return f"CASE WHEN {value} IS NULL THEN NULL ELSE printf('%.8s-%.4s-%.4s-%.4s-%s', {parts}) END"


@compiles(uuid_key, "postgresql")
def _uuid_key_postgresql(element: uuid_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_argument(element, compiler, **kw)} AS TEXT)"


@compiles(uuid_key, "sqlite")
def _uuid_key_sqlite(element: uuid_key, compiler: SQLCompiler, **kw: Any) -> str:
    return _argument(element, compiler, **kw)


@compiles(iso_text, "postgresql")
def _iso_text_postgresql(element: iso_text, compiler: SQLCompiler, **kw: Any) -> str:
    value = _argument(element, compiler, **kw)
    # '.000000' can only be the fraction: isoformat() leaves out a zero one.
    return (f"replace(to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"
            " || '+00:00'")


@compiles(iso_text, "sqlite")
def _iso_text_sqlite(element: iso_text, compiler: SQLCompiler, **kw: Any) -> str:
    value = _argument(element, compiler, **kw)
    return f"replace(substr({value}, 1, 10) || 'T' || substr({value}, 12), '.000000', '') || '+00:00'"


@compiles(grams, "postgresql")
def _grams_postgresql(element: grams, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({_argument(element, compiler, **kw)} * 1000 AS BIGINT)"  # numeric(18, 3): exact


@compiles(grams, "sqlite")
def _grams_sqlite(element: grams, compiler: SQLCompiler, **kw: Any) -> str:
    return _argument(element, compiler, **kw)


def kg_text(value: int) -> str:
    """Integer grams as kilograms with three decimals, as ``f"{Decimal(kg):.3f}"`` prints them."""
    sign, value = ("-", -value) if value < 0 else ("", value)
    return f"{sign}{value // 1000}.{value % 1000:03d}"
