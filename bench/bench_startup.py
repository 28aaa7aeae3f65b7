"""Benchmark command start-up: the CPU time of each command against the 0.3 s goal (issue 18).

Run from the repository root: ``python bench/bench_startup.py [--repeats 3]`` (under a minute on a quiet machine).
Each command runs in a fresh interpreter against a migrated, empty SQLite database in a temporary folder; the
figure is the best of the repeats of its CPU time (user + system, from the operating system's account of the
child). The children keep their compiled bytecode in a temporary folder (``PYTHONPYCACHEPREFIX``, warmed by a
first run), as an installed package has it: a run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile
every module of the app again each time. Beside the commands, in the same run, what they cannot avoid: the
interpreter, click, SQLAlchemy's core and ORM and the models a command uses (the database commands' floor); and
what they no longer pay: every model declared, Flask, the whole app as ``serve`` builds it, and pandas,
geopandas, osmnx and matplotlib. The machine's load average is printed with the figures: on a loaded host CPU
times grow too (the caches are shared), so compare figures of one run.

Each command's figure is printed beside its floor, measured in the same run: what it cannot start without, the
interpreter, click and the libraries it is built on. For a database command, SQLAlchemy's ORM, its dialect of the
backend and the backend's driver (``sqlite3``, or ``psycopg``); for ``route check``, numpy, shapely, pyproj and
Arrow's CSV reader. The difference is the code's own (its modules, the models it declares and configures, the
work), the floor is the libraries' (issue 18: < 0.3 s is out of reach where the floor alone is over it). The
database commands run on SQLite and, where PostgreSQL's binaries are installed (``tests/pg_server.py`` finds
them), on a throw-away PostgreSQL server too (``--only sqlite`` skips it).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.pg_server import PostgresServer, find_bindir  # noqa: E402
GOAL_S = 0.3
TRACK = "time,lon,lat\n2026-01-01T00:00:00Z,121.47,31.23\n2026-01-01T00:00:10Z,121.47,31.23\n"
#: The commands timed, each with the floor it is printed beside (None: no database, no floor worth a line);
#: ``{n}`` is the repeat, ``{track}`` a two-fix CSV track. ``database``: the floor of the backend's.
COMMANDS = (
    (None, ("--help",)),
    ("database", ("ledger", "verify")),
    ("database", ("ledger", "head")),
    ("database", ("users", "create", "--name", "bench-{n}", "--role", "auditor")),
    ("database", ("trace", "NO-SUCH-BATCH")),
    ("route", ("route", "check", "--corridor", str(REPO / "geodata" / "demo_corridor_shanghai.geojson"),
               "--track", "{track}")),
)
#: Floors: what a command cannot start without (the interpreter's own start included), as imports in a fresh
#: interpreter.
FLOORS = {
    "sqlite": ("the interpreter, click, SQLAlchemy's ORM, its SQLite dialect and sqlite3",
               "import click, sqlalchemy.orm, sqlalchemy.dialects.sqlite, sqlite3"),
    "postgresql": ("the interpreter, click, SQLAlchemy's ORM, its PostgreSQL dialect and psycopg",
                   "import click, sqlalchemy.orm, sqlalchemy.dialects.postgresql, psycopg"),
    "route": ("the interpreter, click, numpy, shapely, pyproj and Arrow's CSV reader",
              # with one OpenBLAS thread, as the command line asks for route check (app/cli/__init__.py)
              "import os; os.environ.setdefault('OPENBLAS_NUM_THREADS', '1'); "
              "import click, numpy, shapely, pyproj, pyarrow.csv"),
}
#: Imports timed alone, each in a fresh interpreter: (what, code).
IMPORTS = (
    ("the interpreter alone", "pass"),
    ("click (the command line)", "import click"),
    ("SQLAlchemy's core", "import sqlalchemy"),
    ("SQLAlchemy's ORM (the floor of any command that opens a session)", "import sqlalchemy.orm"),
    ("the ORM and the models of `ledger verify`, configured",
     "import sqlalchemy.orm, models.ledger; sqlalchemy.orm.configure_mappers()"),
    ("the ORM and the models of `users create`, configured",
     "import sqlalchemy.orm, models.users; sqlalchemy.orm.configure_mappers()"),
    ("the ORM and every model, configured (what each command declared before)",
     "import sqlalchemy.orm, models; models.load_all(); sqlalchemy.orm.configure_mappers()"),
    ("Flask and Flask-Babel (no database command imports them now)", "import flask, flask_babel"),
    ("the whole app, as `serve` builds it", "from app import create_app; create_app({'DATABASE_URL': 'sqlite://'})"),
    ("pandas, geopandas, osmnx, matplotlib", "import pandas, geopandas, osmnx, matplotlib"),
)


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    """The CPU seconds a child process took (it may fail: a missing batch is exit 2, and still a start-up)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=REPO, capture_output=True, check=False, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _backends(folder: Path, only: str | None) -> Iterator[tuple[str, str]]:
    """(backend, database URL): SQLite in *folder*, and a throw-away PostgreSQL server where one can be started."""
    if only in (None, "sqlite"):
        yield "sqlite", f"sqlite:///{folder / 'bench.db'}"
    bindir = find_bindir() if only in (None, "postgresql") else None
    if bindir is None:
        return
    server = PostgresServer(bindir)
    server.start()
    try:
        yield "postgresql", server.url()
    finally:
        server.stop()


def _figure(label: str, best: float, floor: tuple[str, float] | None) -> str:
    """A command's line: its CPU seconds against the goal, and beside them its floor's."""
    verdict = "meets the goal" if best < GOAL_S else "over the goal"
    line = f"hazledger {label}: {best:.3f} s of CPU (goal < {GOAL_S} s: {verdict})"
    if floor is None:
        return line
    what, seconds = floor
    return f"{line}; its floor {seconds:.3f} s ({what}), the code's own {best - seconds:+.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgresql"],
                        help="the database commands on this backend only (default: both, where PostgreSQL is "
                             "installed)")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(folder / "pycache"), HAZLEDGER_SIGNING_KEY_PATH=str(folder / "key"))
        track = folder / "track.csv"
        track.write_text(TRACK, encoding="utf-8")

        def best_of(args_: list[str]) -> float:
            cpu_seconds(args_, env)  # warm-up: compiles the bytecode the repeats then read
            return min(cpu_seconds(args_, env) for _ in range(args.repeats))

        for what, code in IMPORTS:
            print(f"import {what}: {best_of([sys.executable, '-c', code]):.3f} s of CPU")
        floors = {name: (what, best_of([sys.executable, "-c", code])) for name, (what, code) in FLOORS.items()}
        for backend, url in _backends(folder, args.only):
            hazledger = [sys.executable, "-c", "from app.cli import main; main()", "--database-url", url]
            subprocess.run([*hazledger, "db", "upgrade"], cwd=REPO, capture_output=True, check=True, env=env)
            for n, (kind, command) in enumerate(COMMANDS):
                if kind != "database" and backend != "sqlite":
                    continue  # no database: once is enough
                runs = [[*hazledger, *(a.format(n=f"{backend}-{n}-{r}", track=track) for a in command)]
                        for r in range(args.repeats + 1)]
                cpu_seconds(runs[0], env)  # warm-up
                best = min(cpu_seconds(run, env) for run in runs[1:])
                floor = floors.get(backend if kind == "database" else kind or "")
                label = " ".join(command[:2]) + (f" ({backend})" if kind == "database" else "")
                print(_figure(label, best, floor), flush=True)


if __name__ == "__main__":
    main()
