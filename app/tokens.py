"""API tokens as issued and as stored: without Flask, so the ``users`` commands issue them without the web stack
(issue 18); :mod:`app.auth` checks them on each request."""
from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "hzl_"


def new_token() -> str:
    """A fresh random token (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens carry 256 bits of entropy, so one SHA-256 suffices (no password stretching needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
