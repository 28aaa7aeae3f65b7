"""Authentication and the per-endpoint access policy (issue 2)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.auth import hash_token
from models import ApiToken, Role
from models.types import utcnow
from tests.factories import auth, make_enterprise, make_user


def test_no_token_is_401_with_challenge(client):
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer short", "Bearer hzl_" + "x" * 43])
def test_malformed_or_unknown_token_is_401(client, header):
    response = client.get("/api/v1/users/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_expired_token_is_401(client, session):
    user, token = make_user(session, Role.AUDITOR)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).one()
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    session.flush()
    response = client.get("/api/v1/users/me", headers=auth(token))
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_expired"


def test_revoked_token_and_inactive_user_are_401(client, session):
    user, token = make_user(session, Role.AUDITOR)
    user.active = False
    session.flush()
    assert client.get("/api/v1/users/me", headers=auth(token)).status_code == 401


def test_token_is_stored_hashed(session):
    _user, token = make_user(session, Role.ADMIN)
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hash_token(token) in stored


def test_me(client, session):
    user, token = make_user(session, Role.SUPERVISOR)
    body = client.get("/api/v1/users/me", headers=auth(token)).get_json()
    assert body["role"] == "supervisor" and body["department"] == "transport"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE])
def test_wrong_role_is_403(client, session, role):
    _user, token = make_user(session, role)
    response = client.post("/api/v1/enterprises", json={"name": "x", "uscc": "x"}, headers=auth(token))
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_enterprise_user_sees_only_its_own(client, session):
    own = make_enterprise(session)
    other = make_enterprise(session)
    _user, token = make_user(session, Role.ENTERPRISE, enterprise=own)
    assert client.get(f"/api/v1/enterprises/{own.id}", headers=auth(token)).status_code == 200
    hidden = client.get(f"/api/v1/enterprises/{other.id}", headers=auth(token))
    assert hidden.status_code == 404
    listed = client.get("/api/v1/enterprises", headers=auth(token)).get_json()
    assert [e["id"] for e in listed] == [str(own.id)]


def test_authorities_see_every_enterprise_paged(client, session):
    for _ in range(3):
        make_enterprise(session)
    _user, token = make_user(session, Role.AUDITOR)
    response = client.get("/api/v1/enterprises?page=1&page_size=2", headers=auth(token))
    assert len(response.get_json()) == 2
    assert json.loads(response.headers["X-Pagination"])["total"] == 3


def test_every_api_endpoint_declares_a_policy(app):
    from app.auth import has_policy
    from app.http import PUBLIC_ENDPOINTS

    undeclared = [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and not rule.endpoint.startswith(PUBLIC_ENDPOINTS)
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if not has_policy(app.view_functions[rule.endpoint], method)
    ]
    assert undeclared == []


def test_an_endpoint_without_policy_is_closed(own_app):
    @own_app.get("/api/v1/forgotten")
    def forgotten():
        return {"secret": 1}

    client = own_app.test_client()

    response = client.get("/api/v1/forgotten")
    assert response.status_code == 403
    assert response.get_json()["code"] == "no_policy"
