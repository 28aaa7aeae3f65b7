"""Session cookie settings and the key that signs it."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from flask import Flask

SESSION_DEFAULTS = {
    "SESSION_COOKIE_NAME": "hazledger_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Behind TLS set HAZLEDGER_SESSION_COOKIE_SECURE=true; the demo serves plain HTTP on the loopback.
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=8),
}


def load_secret_key(path: str | Path) -> str:
    """The key in *path*, created (readable by the owner only) on first use so sessions survive restarts."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        key = secrets.token_urlsafe(48)
        file.write(key)
    return key


def configure_sessions(app: Flask) -> None:
    for name, value in SESSION_DEFAULTS.items():
        app.config.setdefault(name, value)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.config["SECRET_KEY_PATH"])
