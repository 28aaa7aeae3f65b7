"""Helpers shared by the command-line groups.

The contract (CONTRACT.md) fixes the exit codes: 0 success, 1 a finding (a violation, a broken chain),
2 bad usage or bad input, with a one-line reason on stderr and nothing written.
"""
from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

EXIT_FINDING = 1
EXIT_BAD_INPUT = 2


def fail(reason: str) -> NoReturn:
    """Print a one-line reason to stderr and exit with status 2 (bad input)."""
    click.echo(f"error: {' '.join(str(reason).split())}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def echo_json(data: Any) -> None:
    """Print *data* as JSON (UTF-8, non-ASCII kept readable)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
