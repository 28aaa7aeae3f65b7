"""Hostile input to the pages: where signing in and choosing the language may send the browser next."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from models import Role, User
from tests.web import test_pages
from tests.web.test_pages import PASSWORD, csrf

person = test_pages.person  # the fixture

#: ``next`` values that must not leave the site (browsers drop tabs and newlines from a URL and read ``\\`` as
#: ``/``, so ``/\t/evil.example`` is ``//evil.example``), each with a harmless one beside them.
HOSTILE_NEXT = ["//evil.example/x", "https://evil.example/", "/\t/evil.example", "/\n/evil.example",
                "/\r\nSet-Cookie:x=1", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
                " //evil.example", "\t//evil.example", "http:/evil.example", "javascript:alert(1)",
                "/\x00/evil.example", "/\x7f/evil.example", "evil.example", "", "/ok\x0b/x"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_no_next_page_leaves_the_site_after_normalisation(client: FlaskClient, person: Callable[..., User],
                                                          target: str) -> None:
    user = person(Role.SUPERVISOR)
    token = csrf(client)
    after_language = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert after_language.status_code == 302 and after_language.location == "/", after_language.location
    signed_in = client.post("/login", data={"name": user.name, "password": PASSWORD, "csrf_token": token,
                                            "next": target})
    assert signed_in.status_code == 302 and signed_in.location == "/dashboard", signed_in.location
    already = client.get("/login", query_string={"next": target})
    assert already.status_code == 302 and already.location == "/dashboard", already.location


@pytest.mark.parametrize("target", ["/waybills", "/waybills?status=draft", "/trace/B-1#top", "/a%2F%2Fb", "/%0d%0a"])
def test_a_next_page_on_this_site_is_kept(client: FlaskClient, person: Callable[..., User], target: str) -> None:
    user = person(Role.SUPERVISOR)
    reply = client.post("/login", data={"name": user.name, "password": PASSWORD, "csrf_token": csrf(client),
                                        "next": target})
    assert reply.location == target
