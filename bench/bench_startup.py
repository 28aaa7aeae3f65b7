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
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 0.3
TRACK = "time,lon,lat\n2026-01-01T00:00:00Z,121.47,31.23\n2026-01-01T00:00:10Z,121.47,31.23\n"
#: The commands timed; ``{n}`` is the repeat, ``{track}`` a two-fix CSV track.
COMMANDS = (
    ("--help",),
    ("ledger", "verify"),
    ("ledger", "head"),
    ("users", "create", "--name", "bench-{n}", "--role", "auditor"),
    ("trace", "NO-SUCH-BATCH"),
    ("route", "check", "--corridor", str(REPO / "geodata" / "demo_corridor_shanghai.geojson"), "--track", "{track}"),
)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(folder / "pycache"), HAZLEDGER_SIGNING_KEY_PATH=str(folder / "key"))
        track = folder / "track.csv"
        track.write_text(TRACK, encoding="utf-8")
        hazledger = [sys.executable, "-c", "from app.cli import main; main()",
                     "--database-url", f"sqlite:///{folder / 'bench.db'}"]
        subprocess.run([*hazledger, "db", "upgrade"], cwd=REPO, capture_output=True, check=True, env=env)
        commands = [[a.format(n=f"{n}-{repeat}", track=track) for a in command]
                    for n, command in enumerate(COMMANDS) for repeat in range(args.repeats + 1)]
        for command in commands[::args.repeats + 1]:  # warm-up: compiles the bytecode the repeats then read
            cpu_seconds([*hazledger, *command], env)
        for what, code in IMPORTS:
            best = min(cpu_seconds([sys.executable, "-c", code], env) for _ in range(args.repeats))
            print(f"import {what}: {best:.3f} s of CPU")
        for n, command in enumerate(COMMANDS):
            runs = commands[n * (args.repeats + 1) + 1:(n + 1) * (args.repeats + 1)]
            best = min(cpu_seconds([*hazledger, *run], env) for run in runs)
            verdict = "meets the goal" if best < GOAL_S else "over the goal"
            print(f"hazledger {' '.join(command[:2])}: {best:.3f} s of CPU (goal < {GOAL_S} s: {verdict})")


if __name__ == "__main__":
    main()
