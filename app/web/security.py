"""The key that signs the session cookie (the cookie's settings are in :mod:`app.config`)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


def load_secret_key(path: str | Path) -> str:
    """The key in *path*, created (readable by the owner only) on first use so sessions survive restarts.

    Written to a private file first and then linked into place, so a process starting at the same moment
    never reads a half-written key: one of them wins, and all read the winner's.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def configure_sessions(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.config["SECRET_KEY_PATH"])
