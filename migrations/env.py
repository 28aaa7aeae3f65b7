"""Alembic environment. Revisions stay self-contained (op.* only); only this file sees the models."""
from __future__ import annotations

from alembic import context
from sqlalchemy.types import TypeDecorator

from models import Base
from models.engine import make_engine
from models.partial_indexes import for_postgresql
from models.types import Quantity

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_: str, obj, autogen_context):
    """Render our TypeDecorators as their plain SQL types, so revisions never import the models."""
    if type_ == "type" and isinstance(obj, Quantity):
        return "sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite')"
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _partitions(connection) -> frozenset[str]:
    """The partitions of partitioned tables: made at run time (a month of GPS fixes each), never modelled."""
    if connection.dialect.name != "postgresql":
        return frozenset()
    return frozenset(connection.exec_driver_sql("SELECT relname FROM pg_class WHERE relispartition").scalars())


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration copies a table, drops the old one and renames the copy: with foreign keys enforced,
        # dropping a table other rows point at fails (alembic's batch docs). Off for the run (it only takes
        # effect outside a transaction, hence the driver connection), checked and back on at the end.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    partitions = _partitions(connection)
    if connection.dialect.name == "postgresql":
        # Never wait behind a long lock in production: fail fast and retry (warehouse/migrations/env.py).
        connection.exec_driver_sql("SET lock_timeout = '10s'")
        for_postgresql(target_metadata.tables.values())  # the partial indexes' clauses, as the models mean them
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        include_name=lambda name, type_, _parents: not (type_ == "table" and name in partitions),
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        connection.commit()
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")


run_migrations_online()
