"""The command line asks OpenBLAS for one thread for the commands that multiply no matrices (issue 18: OpenBLAS
starts a thread a core when numpy is first imported, a quarter of numpy's import on this project's host), before
numpy is imported, and never when the user chose a number in any variable OpenBLAS reads.

Each case runs in a fresh interpreter (a test process has numpy imported already, and the setting then changes
nothing: the environment is left alone), which asks for the command's help (the command's module imported, no
work done) and prints the variables afterwards.
"""
import json
import os
import subprocess
import sys

import pytest

from app.cli import BLAS_THREAD_VARIABLES, COMMANDS, SINGLE_THREADED_BLAS, single_threaded_blas
from tests.paths import REPO

_PROBE = """
import json, os, sys
from app.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="hazledger")
except SystemExit:
    pass
print(json.dumps({name: os.environ.get(name) for name in %r}))
""" % (BLAS_THREAD_VARIABLES,)


def _variables_after(*args: str, **chosen: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300, env={**env, **chosen})
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("route", "check", "--help"), ("ledger", "verify", "--help"),
                                  ("users", "--help"), ("trace", "--help")], ids=lambda a: a[0])
def test_a_command_without_linear_algebra_gets_one_blas_thread(args):
    assert _variables_after(*args)["OPENBLAS_NUM_THREADS"] == "1"


def test_the_users_choice_is_kept():
    assert _variables_after("route", "check", "--help", OPENBLAS_NUM_THREADS="2")["OPENBLAS_NUM_THREADS"] == "2"


@pytest.mark.parametrize("variable", ["GOTO_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_DEFAULT_NUM_THREADS"])
def test_a_number_chosen_in_another_variable_openblas_reads_is_kept_too(variable):
    after = _variables_after("route", "check", "--help", **{variable: "2"})
    assert after == {**dict.fromkeys(BLAS_THREAD_VARIABLES), variable: "2"}


@pytest.mark.parametrize("args", [("serve", "--help"), ("history", "--help"), ("--help",)], ids=lambda a: a[0])
def test_the_servers_the_history_and_the_bare_help_keep_the_libraries_defaults(args):
    assert _variables_after(*args) == dict.fromkeys(BLAS_THREAD_VARIABLES)


def test_every_single_threaded_command_is_a_command():
    assert SINGLE_THREADED_BLAS <= set(COMMANDS)


def test_once_numpy_is_imported_the_environment_is_left_alone(monkeypatch):
    """OpenBLAS read its variables when numpy loaded it (this process's numpy): setting one now would only reach
    child processes, and a test process's environment."""
    import numpy  # noqa: F401

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    single_threaded_blas("route")
    assert "OPENBLAS_NUM_THREADS" not in os.environ
