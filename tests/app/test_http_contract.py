"""The HTTP error contract, request ids, body limits and documentation (issue 2)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import Enterprise, Role
from tests.factories import auth, make_user, valid_uscc

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    for key in ("type", "title", "status", "detail", "instance", "request_id"):
        assert key in body, key
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.fixture
def admin_token(session):
    return make_user(session, Role.ADMIN)[1]


def count_enterprises(session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise))


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert echoed.headers["X-Request-ID"] == "trace-42"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert len(forged.headers["X-Request-ID"]) == 32


def test_unknown_path_is_a_problem(client):
    body = assert_problem(client.get("/api/v1/nowhere"), 404)
    assert body["type"].startswith("urn:hazledger:problem:")


def test_wrong_method_is_a_problem(client, admin_token):
    assert_problem(client.delete("/api/v1/enterprises", headers=auth(admin_token)), 405)


def test_unhandled_error_is_a_500_problem_without_trace(own_app):
    @own_app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = own_app.test_client()

    body = assert_problem(client.get("/boom"), 500)
    assert "secret internals" not in json.dumps(body)


def test_malformed_json_is_400(client, session, admin_token):
    before = count_enterprises(session)
    response = client.post("/api/v1/enterprises", data='{"name": "x",', headers=auth(admin_token),
                           content_type="application/json")
    body = assert_problem(response, 400)
    assert body["code"] == "malformed_json"
    assert count_enterprises(session) == before


def test_wrong_content_type_is_415(client, session, admin_token):
    before = count_enterprises(session)
    response = client.post("/api/v1/enterprises", data="name=x", headers=auth(admin_token),
                           content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)
    assert count_enterprises(session) == before


def test_oversized_body_is_413(app, client, session, admin_token):
    before = count_enterprises(session)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    payload = {"name": "x" * 5000, "uscc": valid_uscc()}
    response = client.post("/api/v1/enterprises", data=json.dumps(payload),
                           headers=auth(admin_token), content_type="application/json")
    assert_problem(response, 413)
    assert count_enterprises(session) == before


def test_unknown_and_mistyped_fields_are_422_with_field_errors(client, session, admin_token):
    before = count_enterprises(session)
    response = client.post("/api/v1/enterprises", json={
        "name": 42, "uscc": valid_uscc(), "roles": ["alchemist"], "colour": "red",
    }, headers=auth(admin_token))
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"name", "roles.0", "colour"}
    assert count_enterprises(session) == before


def test_missing_fields_and_bad_identifier(client, admin_token):
    body = assert_problem(client.post("/api/v1/enterprises", json={"uscc": "91320205MA1XY2KC0A"},
                                      headers=auth(admin_token)), 422)
    assert body["errors"]["name"] == ["Missing data for required field."]
    assert "check character" in body["errors"]["uscc"][0]


def test_valid_create_then_duplicate_is_409(client, session, admin_token):
    payload = {"name": "无锡测试化工", "uscc": valid_uscc(), "roles": ["producer"]}
    created = client.post("/api/v1/enterprises", json=payload, headers=auth(admin_token))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["uscc"] == payload["uscc"]
    before = count_enterprises(session)
    assert_problem(client.post("/api/v1/enterprises", json=payload, headers=auth(admin_token)), 409)
    assert count_enterprises(session) == before


def test_openapi_document_and_local_docs(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/enterprises" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page
    assert "//cdn" not in page and "unpkg" not in page
    with client.get("/api/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000


def test_index_page_says_what_the_system_is(client):
    page = client.get("/").get_data(as_text=True)
    assert "hazardous" in page.lower() and "危险化学品" in page


def test_a_constraint_race_is_a_409_problem(own_app):
    from sqlalchemy.exc import IntegrityError

    @own_app.get("/race")
    def race():
        raise IntegrityError("INSERT …", {}, Exception("duplicate key value violates unique constraint"))

    client = own_app.test_client()

    body = assert_problem(client.get("/race"), 409)
    assert "duplicate key" not in json.dumps(body)
