"""Babel's extraction of the Python sources, read from the syntax tree (``babel.cfg``).

Babel's own Python extractor reads tokens and loses its way in a call nested in another (``NotFound("...",
errors={"id": [N_("...")]})`` yields a field name as a message): the tree knows where each call begins and ends.
Every call of a keyword function (``t``, ``N_``, ``Text``, the error classes: the Makefile's ``KEYWORDS``), by
name or as a method, gives its literal string arguments; an f-string with values is not a message and is skipped.
"""
from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from typing import IO, Any


def _name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
            options: dict[str, Any]) -> Iterator[tuple[int, str, tuple[str | None, ...], list[str]]]:
    """Babel's extraction method interface: (line, function, messages, comments) of each keyword call."""
    tree = ast.parse(fileobj.read(), type_comments=False)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := _name(node)) in keywords and node.args:
            yield node.lineno, name, tuple(_literal(arg) for arg in node.args), []
