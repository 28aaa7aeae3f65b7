"""The Makefile's documented knobs (issue 24): ``make run PORT=… HOST=…`` serves where it is told."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.paths import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make(*args: str) -> str:
    done = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_make_run_serves_on_the_port_and_host_given():
    planned = _make("-n", "run", "PORT=5077", "HOST=0.0.0.0")
    assert "hazledger serve --host 0.0.0.0 --port 5077" in planned
    assert "--port 5000" not in planned


def test_make_run_defaults_to_the_contracts_address():
    assert "hazledger serve --host 127.0.0.1 --port 5000" in _make("-n", "run")


def test_make_help_says_how_to_change_the_port():
    assert "make run PORT=" in _make("help")
