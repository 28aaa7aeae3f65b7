"""Commands that need no map or table start without the heavy libraries (issue 18: 2.8 s of CPU for --help).

Each command runs in a fresh interpreter, which then lists the heavy modules it imported: none of geopandas,
osmnx, matplotlib and pandas for ``--help``, ``ledger verify``, ``ledger head``, ``users create`` and ``trace``,
nor the web stack (flask-smorest, marshmallow, the API and the pages: ``app.api``, ``app.web``), nor Flask itself
(they open the database from the configuration alone), nor the models they do not use. The CPU time a command
takes is printed by ``bench/bench_startup.py``, not asserted here.
"""
import json
import os
import subprocess
import sys

import pytest

from tests.paths import REPO

HEAVY = ("geopandas", "osmnx", "matplotlib", "pandas")
#: What only the server needs: the API's and the pages' modules and the libraries they build on.
WEB = ("flask_smorest", "marshmallow", "app.api", "app.web")
#: What a command that only uses the database does without: Flask, its extensions, Babel's catalogue tools.
FLASK = ("flask", "flask_babel", "babel", "jinja2", "app.db", "app.extensions")
_PROBE = """
import json, sys
from app.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="hazledger")
except SystemExit as done:
    code = done.code
print(json.dumps({"exit": code, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in %r),
                  "web": sorted(m for m in sys.modules if m in %r or m.startswith(%r)),
                  "flask": sorted(m for m in sys.modules if m in %r or m.split(".")[0] in %r),
                  "werkzeug": "werkzeug" in sys.modules,
                  "drivers": sorted(m for m in ("sqlite3", "psycopg") if m in sys.modules),
                  "postgresql_dialect": "sqlalchemy.dialects.postgresql" in sys.modules,
                  "models": sorted(m for m in sys.modules if m.startswith("models."))}))
""" % (HEAVY, WEB, tuple(f"{name}." for name in WEB), FLASK, FLASK)


def _run(*args: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300, env={**os.environ, **(env or {})})
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [
    ("--help",),
    ("ledger", "verify"),
    ("ledger", "verify", "--format", "json"),
    ("ledger", "head"),
    ("users", "create", "--name", "startup-probe", "--role", "auditor", "--format", "json"),
    ("trace", "NO-SUCH-BATCH"),
], ids=lambda a: " ".join(a[:2]))
def test_commands_import_no_heavy_library_nor_the_web_stack(fresh_database_url, tmp_path, args):
    # The signing key of `ledger head` in a folder of the test's own, not the checkout's instance/.
    result = _run("--database-url", fresh_database_url, *args,
                  env={"HAZLEDGER_SIGNING_KEY_PATH": str(tmp_path / "signing_key")})
    assert result["heavy"] == [], result
    assert result["web"] == [], result
    assert result["flask"] == [], result
    assert result["exit"] in (0, 1, 2, None)


@pytest.mark.parametrize("args, needs, declares_not", [
    (("ledger", "verify"), "models.ledger", ("models.waybills", "models.alerts", "models.users")),
    (("ledger", "head"), "models.ledger", ("models.waybills", "models.alerts", "models.users")),
    (("trace", "NO-SUCH-BATCH"), "models.waste", ("models.alerts", "models.users", "models.fleet")),
    (("users", "create", "--name", "startup-probe", "--role", "auditor"), "models.users",
     ("models.ledger", "models.waybills", "models.alerts")),
], ids=["ledger verify", "ledger head", "trace", "users create"])
def test_commands_declare_only_the_models_they_use(fresh_database_url, tmp_path, args, needs, declares_not):
    """A command declares the models its services use, not all forty (declaring them was a third of its
    start-up); ``users create`` hashes no password, so werkzeug stays out too."""
    result = _run("--database-url", fresh_database_url, *args,
                  env={"HAZLEDGER_SIGNING_KEY_PATH": str(tmp_path / "signing_key")})
    assert result["exit"] in (0, 2), result
    assert needs in result["models"], result
    assert not set(declares_not) & set(result["models"]), result
    assert result["werkzeug"] is False, result


#: The commands that only use the database, as a user's first calls run them.
DATABASE_COMMANDS = [
    ("ledger", "verify"),
    ("ledger", "head"),
    ("trace", "NO-SUCH-BATCH"),
    ("users", "create", "--name", "driver-probe", "--role", "auditor"),
]


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_command_imports_the_driver_of_its_backend_only(fresh_database_url, tmp_path, args):
    """On PostgreSQL no sqlite3 (``ledger verify``'s SQLite worker imports it when it runs), on SQLite no psycopg
    (issue 18: each costs start-up, psycopg a fifth of a second on this project's host)."""
    result = _run("--database-url", fresh_database_url, *args,
                  env={"HAZLEDGER_SIGNING_KEY_PATH": str(tmp_path / "signing_key")})
    assert result["exit"] in (0, 2), result
    driver = "psycopg" if fresh_database_url.startswith("postgresql") else "sqlite3"
    assert result["drivers"] == [driver], result


@pytest.mark.parametrize("args", DATABASE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_command_on_sqlite_loads_no_postgresql_dialect(fresh_database_url, tmp_path, args):
    """SQLAlchemy's PostgreSQL dialect package (its asyncpg, pg8000 and psycopg modules: 0.06-0.2 s of start-up)
    is loaded on PostgreSQL only: the partial indexes no longer name it when declared (models.partial_indexes)."""
    result = _run("--database-url", fresh_database_url, *args,
                  env={"HAZLEDGER_SIGNING_KEY_PATH": str(tmp_path / "signing_key")})
    assert result["exit"] in (0, 2), result
    assert result["postgresql_dialect"] is fresh_database_url.startswith("postgresql"), result


def test_the_probe_sees_the_web_stack_when_the_app_serves(fresh_database_url):
    """``serve`` builds the whole app (here its build alone: no server starts): the probe would notice a
    command that imports the API or the pages."""
    code = """
import json, sys
from app.cli import CliContext
context = CliContext(sys.argv[1])
context.web = True
context.app
context.close()
print(json.dumps({"web": sorted(m for m in %r if m in sys.modules)}))
""" % (WEB,)
    done = subprocess.run([sys.executable, "-c", code, fresh_database_url], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert json.loads(done.stdout.strip().splitlines()[-1])["web"] == sorted(WEB), done.stderr


def test_the_probe_sees_flask_where_a_command_builds_the_app(fresh_database_url):
    """A command that asks for the app (``db upgrade``, ``demo load`` …) still builds it with Flask: the probe
    would notice one of the commands above bringing it back."""
    code = """
import json, sys
from app.cli import CliContext
context = CliContext(sys.argv[1])
context.app
context.close()
print(json.dumps({"flask": "flask" in sys.modules}))
"""
    done = subprocess.run([sys.executable, "-c", code, fresh_database_url], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert json.loads(done.stdout.strip().splitlines()[-1])["flask"] is True, done.stderr


def test_the_probe_sees_a_heavy_import_when_there_is_one(tmp_path):
    """A command that reads a track in epoch seconds (pandas' reader, not Arrow's) imports pandas: the probe above
    would notice a regression."""
    track = tmp_path / "t.csv"
    track.write_text("time,lon,lat\n1767225600,121.47,31.23\n1767225610,121.47,31.23\n", encoding="utf-8")
    corridor = REPO / "geodata" / "demo_corridor_shanghai.geojson"
    result = _run("route", "check", "--corridor", str(corridor), "--track", str(track))
    assert "pandas" in result["heavy"]


def test_the_command_list_of_help_is_each_commands_own_short_help():
    """``--help`` lists the commands from a table, not importing them: the table must say what they say."""
    import importlib

    import click

    from app.cli import COMMANDS, _short_help, cli

    for name, (module, attribute, _text) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert command.name == name
        for limit in (45, 80, 10_000):
            assert command.get_short_help_str(limit) == _short_help(name, limit), name
    assert cli.list_commands(click.Context(cli)) == list(COMMANDS)
