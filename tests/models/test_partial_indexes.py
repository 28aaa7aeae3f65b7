"""The partial indexes exist with their clauses on both backends, and the models declare them without loading
SQLAlchemy's PostgreSQL dialect (:mod:`models.partial_indexes`, issue 18)."""
from __future__ import annotations

import re
import subprocess
import sys

from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex

from models import Base
from models.engine import make_engine
from models.partial_indexes import WHERE, for_postgresql, partial_index
from tests.paths import REPO


def _partial_indexes():
    return [index for table in Base.metadata.tables.values() for index in table.indexes if WHERE in index.info]


def _clause(sql: str) -> str:
    """The WHERE clause of an index's SQL as either database writes it, in one spelling: no casts, quotes,
    parentheses, spaces or case."""
    where = re.split(r"\bwhere\b", sql, maxsplit=1, flags=re.IGNORECASE)[1]
    return re.sub(r"::\w+|[\"'() ]", "", where).lower()


def test_the_migrated_database_has_each_partial_index_with_the_models_clause(fresh_database_url):
    indexes = _partial_indexes()
    assert {i.name for i in indexes} >= {"uq_ledger_accounts_site", "uq_ledger_accounts_unit",
                                         "uq_ledger_accounts_transit", "uq_ledger_accounts_boundary",
                                         "uq_site_units_default"}
    engine = make_engine(fresh_database_url)
    query = ("SELECT indexdef FROM pg_indexes WHERE indexname = :name" if engine.dialect.name == "postgresql"
             else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
    with engine.connect() as connection:
        for index in indexes:
            sql = connection.execute(text(query), {"name": index.name}).scalar_one()
            assert "UNIQUE" in sql.upper() and _clause(sql) == _clause(f"WHERE {index.info[WHERE]}"), sql
    engine.dispose()


def test_the_metadata_gives_each_backend_its_clause():
    indexes = _partial_indexes()
    for_postgresql(Base.metadata.tables.values())
    for index in indexes:
        for dialect in (postgresql.dialect(), sqlite.dialect()):
            sql = str(CreateIndex(index).compile(dialect=dialect))
            assert _clause(sql) == _clause(f"WHERE {index.info[WHERE]}"), (dialect.name, sql)


def test_a_table_created_from_the_metadata_gets_its_partial_index(fresh_database_url):
    """The PostgreSQL clause is set when the table is created there (the before_create event)."""
    metadata = MetaData()
    probe = Table("partial_index_probe", metadata, Column("id", Integer, primary_key=True),
                  Column("kind", String(10)), Column("code", String(10)),
                  partial_index("uq_partial_index_probe", "code", unique=True, where="kind = 'one'"))
    engine = make_engine(fresh_database_url)
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            rows = [{"id": n, "kind": kind, "code": "same"} for n, kind in enumerate(["one", "two", "two"])]
            connection.execute(probe.insert(), rows)  # the same code twice, outside the index's rows
        with engine.begin() as connection:
            try:
                connection.execute(probe.insert(), [{"id": 9, "kind": "one", "code": "same"}])
            except Exception as error:  # the driver's IntegrityError, whichever backend
                assert "unique" in str(error).lower() or "duplicate" in str(error).lower()
            else:
                raise AssertionError("a second row of kind 'one' with the same code was accepted")
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_declaring_the_models_with_partial_indexes_loads_no_postgresql_dialect():
    """The ledger's and the units' models (GPS fixes, partitioned on PostgreSQL, still name it)."""
    probe = ("import sys; import models.ledger, models.units; from models.base import Base; "
             "assert {'ledger_accounts', 'site_units'} <= set(Base.metadata.tables); "
             "print('sqlalchemy.dialects.postgresql' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.stdout.strip() == "False", done.stderr
