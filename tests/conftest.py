"""Fixtures: the app, a client and a CLI runner (flaskr style) on SQLite AND on a real PostgreSQL.

The schema is built by running the migrations once per backend into a template database. Each test then
runs inside an outer transaction that is rolled back afterwards (warehouse's savepoint pattern), so tests
are isolated and fast. Tests that must commit for real (the CLI, concurrency) take ``fresh_database_url``:
a private copy of the template.
"""
from __future__ import annotations

import copy
import fcntl
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
from tests.paths import SHANGHAI_OSM, SHARED_DATA
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


@pytest.fixture(scope="session")
def postgres_template_url(postgres_admin_url: str) -> str:
    """The PostgreSQL database migrated to head that every PostgreSQL test database is a copy of."""
    _pg_execute(postgres_admin_url, f"CREATE DATABASE {TEMPLATE_DB}")
    url = _pg_url(postgres_admin_url, TEMPLATE_DB)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def template_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, never connected to afterwards: copies of it are cheap."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_template_url")
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'template.db'}"
    migrate.upgrade(url)
    return url


def copy_database(template: str, tmp_dir: Path) -> str:
    """A new database with *template*'s schema and rows: a copied file, or PostgreSQL's ``CREATE DATABASE ...
    TEMPLATE``."""
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
    return copy_database(template_url, tmp_path_factory.mktemp("shared"))


@pytest.fixture
def fresh_database_url(template_url: str, tmp_path: Path) -> str:
    """A private migrated database for a test that commits for real."""
    return copy_database(template_url, tmp_path)


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


@pytest.fixture(scope="session")
def built_app(database_url: str) -> Iterator[Flask]:
    """The app on the shared database, built once per backend: building one (every route, the OpenAPI document)
    costs more than most tests; :func:`app` hands it to each test as it was built."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    yield app
    db.dispose(app)


@pytest.fixture
def app(built_app: Flask, connection: Connection) -> Iterator[Flask]:
    """The app with its sessions inside the test's rolled-back transaction; what the test changes of its
    configuration is undone afterwards (the next test gets the configuration the app was built with)."""
    config, views = copy.deepcopy(dict(built_app.config)), len(built_app.view_functions)
    db.bind_to(built_app, connection)
    try:
        yield built_app
    finally:
        # Work that opens connections of its own (parallel ledger verification) uses the app's engine: close them.
        db.dispose(built_app)
        built_app.config.clear()
        built_app.config.update(config)
    assert len(built_app.view_functions) == views, "a test added a view to the shared app: give it own_app"


@pytest.fixture
def own_app(database_url: str, connection: Connection) -> Iterator[Flask]:
    """An app of the test's own, for a test that adds to it (a route of its own): the shared one stays as built."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    db.bind_to(app, connection)
    yield app
    db.dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def network_cache() -> Path:
    """The prepared road networks' folder the app and the route commands read (``instance/cache``, or
    ``$HAZLEDGER_CACHE_DIR``), with the Shanghai extract prepared in it: once, by the first of the session's
    workers to ask, while the others wait for it (preparing it takes a core for seconds; each worker and test
    module that prepared its own copy paid that again)."""
    from routing.network import default_cache_dir, load_network

    folder = default_cache_dir().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if SHANGHAI_OSM.is_file():
        with (folder / "prepare.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released as the file closes
            load_network(SHANGHAI_OSM, cache_dir=folder)  # read from the folder once it is there
    return folder


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA
