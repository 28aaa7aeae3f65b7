"""Benchmark command start-up: the CPU time of ``hazledger --help``, ``ledger verify``, ``users create``, ``trace``.

Run from the repository root: ``python bench/bench_startup.py [--repeats 3]``. Each command runs in a fresh
interpreter against a migrated, empty SQLite database in a temporary folder; the figure is the best of the repeats
of its CPU time (user + system, from the operating system's account of the child). Beside it, in the same run, the
CPU time of importing the libraries these commands no longer import (pandas, geopandas, osmnx, matplotlib): what
each of them paid on top before issue 18.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 0.3
HEAVY = "import pandas, geopandas, osmnx, matplotlib"
COMMANDS = (("--help",), ("ledger", "verify"), ("users", "create", "--name", "bench-{n}", "--role", "auditor"),
            ("trace", "NO-SUCH-BATCH"))


def cpu_seconds(args: list[str]) -> float:
    """The CPU seconds a child process took (it may fail: a missing batch is exit 2, and still a start-up)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=REPO, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        hazledger = [sys.executable, "-c", "from app.cli import main; main()", "--database-url", url]
        subprocess.run([*hazledger, "db", "upgrade"], cwd=REPO, capture_output=True, check=True)
        python = min(cpu_seconds([sys.executable, "-c", "pass"]) for _ in range(args.repeats))
        heavy = min(cpu_seconds([sys.executable, "-c", HEAVY]) for _ in range(args.repeats)) - python
        print(f"the interpreter alone: {python:.3f} s of CPU; importing {HEAVY[7:]}: {heavy:.3f} s more")
        for command in COMMANDS:
            best = min(cpu_seconds([*hazledger, *(a.format(n=n) for a in command)]) for n in range(args.repeats))
            verdict = "meets the goal" if best < GOAL_S else "over the goal"
            print(f"hazledger {' '.join(command[:2])}: {best:.3f} s of CPU (goal < {GOAL_S} s: {verdict}); "
                  f"with the heavy imports it would be {best + heavy:.3f} s")


if __name__ == "__main__":
    main()
