"""The documentation site served offline at /docs (issue 19), and what /docs says before it is built."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _site(folder: Path) -> Path:
    (folder / "guides").mkdir(parents=True)
    (folder / "index.html").write_text("<h1>hazledger</h1>", encoding="utf-8")
    (folder / "guides" / "index.html").write_text("<h1>guides</h1>", encoding="utf-8")
    (folder / "app.css").write_text("body{}", encoding="utf-8")
    return folder


def _get(client: FlaskClient, path: str, **kwargs: Any) -> tuple[int, str, str | None, str]:
    """Status, text, redirect and type of *path*; the response closed (a file it sent is closed with it)."""
    with client.get(path, **kwargs) as reply:
        return reply.status_code, reply.get_data(as_text=True), reply.location, reply.mimetype


def test_the_built_site_is_served_at_docs(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    app.config["DOCS_DIR"] = str(_site(tmp_path / "site"))
    assert _get(client, "/docs")[2] == "/docs/"
    assert "hazledger" in _get(client, "/docs/")[1]
    assert _get(client, "/docs/guides")[2] == "/docs/guides/"
    assert "guides" in _get(client, "/docs/guides/")[1]
    assert _get(client, "/docs/app.css")[::3] == (200, "text/css")
    assert _get(client, "/docs/nowhere.html")[0] == 404
    assert _get(client, "/docs/../secret")[0] == 404


def test_without_a_build_docs_says_how_to_make_one(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    app.config["DOCS_DIR"] = str(tmp_path / "missing")
    assert "make docs" in _get(client, "/docs/")[1]  # the command as it is, in the Chinese sentence
    client.set_cookie("hazledger_lang", "en")
    status, text, _, _ = _get(client, "/docs/")
    assert status == 404 and "run `make docs`" in text
