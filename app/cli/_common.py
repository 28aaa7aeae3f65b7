"""Helpers shared by the command-line groups.

The contract (CONTRACT.md) fixes the exit codes: 0 success, 1 a finding (a violation, a broken chain),
2 bad usage or bad input, with a one-line reason on stderr and nothing written.
"""
from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FINDING = 1
EXIT_BAD_INPUT = 2


def fail(reason: str) -> NoReturn:
    """Print a one-line reason to stderr and exit with status 2 (bad input)."""
    click.echo(f"error: {' '.join(str(reason).split())}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def writes(command: F) -> F:
    """Mark a command that writes (innermost, under its click decorators): on SQLite its transactions take
    the write lock when they begin, so a server writing meanwhile makes it wait instead of failing it
    ("database is locked"). Reading commands stay unmarked: a long one must not hold the server's writers off.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from models.engine import expecting_writes  # the database layer, for the commands that use one only

        with expecting_writes():
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    """Print *data* as JSON (UTF-8, non-ASCII kept readable)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
