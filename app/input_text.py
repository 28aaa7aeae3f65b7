"""Request-wide limits on text and JSON, checked before any view runs (issue 25, finding 8).

- No string of a request (path, query parameter, header, form field, JSON key or value, CSV body) may hold a NUL
  character, which PostgreSQL can neither store nor compare, nor a lone UTF-16 surrogate (JSON ``"\\ud800"``),
  which no database can encode: 422 ``invalid_text`` naming the fields (as any invalid field).
- A JSON body may nest arrays and objects at most :data:`MAX_JSON_DEPTH` deep: Python's parser gives up around
  1,000 levels with a RecursionError, and nothing this API takes is deeper than a handful: 400 ``malformed_json``.

The checks cost a few scans of the body's bytes in C; the body is parsed here only when it holds a ``\\u0000``
or ``\\ud8xx``-``\\udfff`` escape, to name the fields.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from flask import Flask, request

from app.errors import MalformedBody, ValidationFailed

#: The deepest nesting of arrays and objects a JSON body may have.
MAX_JSON_DEPTH = 32
_BAD_TEXT = re.compile("[\0\ud800-\udfff]")
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_MESSAGE = "Must not contain NUL characters or unpaired surrogates."


class InvalidText(ValidationFailed):
    code = "invalid_text"


def bad_text(value: str) -> bool:
    """Whether *value* holds a NUL character or a lone surrogate."""
    return _BAD_TEXT.search(value) is not None


def nests_too_deep(body: bytes) -> bool:
    """Whether *body* (JSON) nests arrays and objects deeper than :data:`MAX_JSON_DEPTH`, brackets inside strings
    not counted. Vectorised: a 10,000-fix upload takes a few milliseconds."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # too few brackets to be deeper: no need to look closer
    # Escaped backslashes, then escaped quotes, go first: every quote left opens or closes a string.
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = np.frombuffer(body, dtype=np.uint8)
    folded = text | 0x20  # "[" and "]" fold onto "{" and "}"
    opening, closing = folded == ord("{"), folded == ord("}")
    brackets = np.flatnonzero(opening | closing)
    # A bracket is outside every string when an even number of quotes precede it.
    outside = np.searchsorted(np.flatnonzero(text == ord('"')), brackets) % 2 == 0
    steps = np.where(opening[brackets], 1, -1)[outside]
    return int(np.cumsum(steps).max(initial=0)) > MAX_JSON_DEPTH


def _bad_json_strings(value: Any, path: str = "") -> Iterator[str]:
    """The paths (``lines.0.name``) of the keys and strings in a parsed JSON value that fail :func:`bad_text`."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if bad_text(item):
                yield where or "_schema"
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if bad_text(key):
                    yield where or "_schema"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}.{index}" if where else str(index), child) for index, child in enumerate(item))


def _refuse(paths: Iterable[str], where: str) -> None:
    errors = {path: [_MESSAGE] for path in sorted(set(paths))}
    if errors:
        raise InvalidText(f"The {where} holds text no database can store: {', '.join(errors)}.", errors=errors)


def _check_json(body: bytes) -> None:
    if nests_too_deep(body):
        raise MalformedBody(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    if _SUSPECT_ESCAPE.search(body) is None:
        return
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the view says so in its own words
    _refuse(_bad_json_strings(payload), "request body")


def check_request_text() -> None:
    """Refuse a request whose path, query, headers or body hold text the database cannot take (see the module)."""
    if bad_text(request.path):
        raise InvalidText("The path holds a NUL character.", errors={"path": [_MESSAGE]})
    _refuse((key for key, value in request.args.items(multi=True) if bad_text(key) or bad_text(value)),
            "query string")
    _refuse((name for name, value in request.headers.items() if bad_text(value)), "header")
    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    if not has_body or request.mimetype == "multipart/form-data":
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        _refuse((key for key, value in request.form.items(multi=True) if bad_text(key) or bad_text(value)), "form")
        return
    body = request.get_data(cache=True)
    if b"\0" in body:
        raise InvalidText("The request body holds a NUL byte.", errors={"_schema": [_MESSAGE]})
    if request.is_json:
        _check_json(body)


def init_app(app: Flask) -> None:
    app.before_request(check_request_text)
