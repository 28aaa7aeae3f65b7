"""The key that signs the session cookie (the cookie's settings are in :mod:`app.config`)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.config["SECRET_KEY_PATH"])
