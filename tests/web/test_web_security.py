"""Hostile input to the pages: where signing in and choosing the language may send the browser next; a session
cookie kept past signing out; password guessing spread over server processes."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse
from sqlalchemy.orm import Session

from app import create_app
from app.config import DEFAULTS
from app.extensions import db
from app.services.users import set_password
from app.web.auth import MAX_FAILURES
from models import Role, User
from models.engine import make_engine
from tests.factories import make_user
from tests.paths import REPO
from tests.web import test_pages
from tests.web.test_pages import PASSWORD, csrf, sign_in

person = test_pages.person  # the fixture
COOKIE = DEFAULTS["SESSION_COOKIE_NAME"]

#: ``next`` values that must not leave the site (browsers drop tabs and newlines from a URL and read ``\\`` as
#: ``/``, so ``/\t/evil.example`` is ``//evil.example``), each with a harmless one beside them.
HOSTILE_NEXT = ["//evil.example/x", "https://evil.example/", "/\t/evil.example", "/\n/evil.example",
                "/\r\nSet-Cookie:x=1", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
                " //evil.example", "\t//evil.example", "http:/evil.example", "javascript:alert(1)",
                "/\x00/evil.example", "/\x7f/evil.example", "evil.example", "", "/ok\x0b/x"]


def _stays_on_site(response: TestResponse, home: str, target: str) -> bool:
    """Redirected home; or, for a target holding a NUL, refused (422) before any view by the request-wide text
    check (app/input_text.py), so redirected nowhere."""
    if "\x00" in target:
        return response.status_code == 422 and response.location is None
    return response.status_code == 302 and response.location == home


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_no_next_page_leaves_the_site_after_normalisation(client: FlaskClient, person: Callable[..., User],
                                                          target: str) -> None:
    user = person(Role.SUPERVISOR)
    token = csrf(client)
    after_language = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert _stays_on_site(after_language, "/", target), after_language.location
    signed_in = client.post("/login", data={"name": user.name, "password": PASSWORD, "csrf_token": token,
                                            "next": target})
    assert _stays_on_site(signed_in, "/dashboard", target), signed_in.location
    already = client.get("/login", query_string={"next": target})
    assert _stays_on_site(already, "/dashboard", target), already.location


@pytest.mark.parametrize("target", ["/waybills", "/waybills?status=draft", "/trace/B-1#top", "/a%2F%2Fb", "/%0d%0a"])
def test_a_next_page_on_this_site_is_kept(client: FlaskClient, person: Callable[..., User], target: str) -> None:
    user = person(Role.SUPERVISOR)
    reply = client.post("/login", data={"name": user.name, "password": PASSWORD, "csrf_token": csrf(client),
                                        "next": target})
    assert reply.location == target


# -- sessions end when their user signs out; throttling holds across server processes ------------------------------

def _two_servers(url: str) -> list[FlaskClient]:
    """Test clients of two app instances on one database (two server processes, one signing key)."""
    return [create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "one key for every process"})
            .test_client() for _ in range(2)]


def _user(url: str, role: Role = Role.SUPERVISOR) -> User:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db_session:
        user, _ = make_user(db_session, role)
        set_password(db_session, user, PASSWORD)
        db_session.commit()
    engine.dispose()
    return user


def test_a_cookie_kept_from_before_signing_out_no_longer_admits(
        client: FlaskClient, person: Callable[..., User]) -> None:
    assert sign_in(client, person(Role.SUPERVISOR)).status_code == 302
    kept = client.get_cookie(COOKIE).value
    assert client.get("/dashboard").status_code == 200
    client.post("/logout", data={"csrf_token": csrf(client, "/dashboard")})
    client.set_cookie(COOKIE, kept)
    reply = client.get("/dashboard")
    assert reply.status_code == 302 and reply.location.startswith("/login")


def test_signing_out_on_one_server_process_ends_the_session_on_another(fresh_database_url: str) -> None:
    user = _user(fresh_database_url)
    first, second = _two_servers(fresh_database_url)
    try:
        assert sign_in(first, user).status_code == 302
        cookie = first.get_cookie(COOKIE).value
        second.set_cookie(COOKIE, cookie)
        assert first.get("/dashboard").status_code == second.get("/dashboard").status_code == 200
        second.post("/logout", data={"csrf_token": csrf(second, "/dashboard")})
        first.set_cookie(COOKIE, cookie)
        assert first.get("/dashboard").status_code == 302
    finally:
        for client in (first, second):
            db.dispose(client.application)


def _sign_in_elsewhere(url: str, name: str, passwords: list[str]) -> list[int]:
    """Sign in with each password in turn from another Python process (a second server process): statuses."""
    script = ("import json, sys; from tests.web.test_web_security import attempts; "
              "print(json.dumps(attempts(*json.loads(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", script, json.dumps([url, name, passwords])], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def attempts(url: str, name: str, passwords: list[str]) -> list[int]:
    """(Run in the other process.) The statuses of signing in as *name* with each password, in a fresh app."""
    client = _two_servers(url)[0]
    statuses = [client.post("/login", data={"name": name, "password": password, "csrf_token": csrf(client)})
                .status_code for password in passwords]
    db.dispose(client.application)
    return statuses


@pytest.mark.slow
def test_failed_sign_ins_are_counted_across_server_processes(fresh_database_url: str) -> None:
    user = _user(fresh_database_url)
    here = _two_servers(fresh_database_url)[0]
    try:
        for _ in range(MAX_FAILURES - 2):
            assert sign_in(here, user, "not the password").status_code == 401
        assert _sign_in_elsewhere(fresh_database_url, user.name, ["wrong", "wrong again"]) == [401, 401]
        assert sign_in(here, user).status_code == 429  # even the right password, in either process, for a while
        assert _sign_in_elsewhere(fresh_database_url, user.name, [PASSWORD]) == [429]
    finally:
        db.dispose(here.application)
