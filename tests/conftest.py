"""Fixtures: the app, a client and a CLI runner (flaskr style) on SQLite AND on a real PostgreSQL.

The schema is built by running the migrations once per backend into a template database. Each test then
runs inside an outer transaction that is rolled back afterwards (warehouse's savepoint pattern), so tests
are isolated and fast. Tests that must commit for real (the CLI, concurrency) take ``fresh_database_url``:
a private copy of the template.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from app import create_app, migrate
from app.extensions import db
from models.engine import make_engine
from tests.paths import SHARED_DATA
from tests.pg_server import PostgresServer, find_bindir

TEMPLATE_DB = "hazledger_template"


def _require_postgres() -> bool:
    return os.environ.get("HAZLEDGER_REQUIRE_POSTGRES", "") not in ("", "0")


@pytest.fixture(scope="session")
def postgres_bindir() -> Path:
    """The PostgreSQL binaries: a test needing them is skipped without (fails when PostgreSQL is required)."""
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL binaries not installed (set HAZLEDGER_PG_BINDIR or install postgresql)"
        if _require_postgres():
            pytest.fail(message)
        pytest.skip(message)
    return bindir


@pytest.fixture(scope="session")
def postgres_admin_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL superuser URL: ``$HAZLEDGER_TEST_POSTGRES_URL``, or a server started here."""
    if os.environ.get("HAZLEDGER_TEST_POSTGRES_URL"):
        yield os.environ["HAZLEDGER_TEST_POSTGRES_URL"]
        return
    server = PostgresServer(request.getfixturevalue("postgres_bindir"))
    server.start()
    try:
        yield server.url()
    finally:
        server.stop()


def _pg_execute(admin_url: str, sql: str) -> None:
    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(admin_url: str, dbname: str) -> str:
    return admin_url.rsplit("/", 1)[0] + f"/{dbname}"


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def template_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, never connected to afterwards: copies of it are cheap."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'template.db'}"
    else:
        admin = request.getfixturevalue("postgres_admin_url")
        _pg_execute(admin, f"CREATE DATABASE {TEMPLATE_DB}")
        url = _pg_url(admin, TEMPLATE_DB)
    migrate.upgrade(url)
    return url


def _copy_database(template: str, tmp_dir: Path) -> str:
    if template.startswith("sqlite"):
        target = tmp_dir / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    name = f"hazledger_{uuid.uuid4().hex[:12]}"
    _pg_execute(template, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    return _pg_url(template, name)


@pytest.fixture(scope="session")
def database_url(template_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database the rolled-back tests share, one per backend."""
    return _copy_database(template_url, tmp_path_factory.mktemp("shared"))


@pytest.fixture
def fresh_database_url(template_url: str, tmp_path: Path) -> str:
    """A private migrated database for a test that commits for real."""
    return _copy_database(template_url, tmp_path)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app(database_url: str, connection: Connection) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    db.bind_to(app, connection)
    yield app
    # Work that opens connections of its own (parallel ledger verification) uses the app's engine: close them.
    db.dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA
