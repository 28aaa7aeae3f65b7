"""One rule for query strings (issue 24): an unknown parameter is a 422 everywhere, and one name per filter."""
from __future__ import annotations

import re
import uuid

import pytest

from models import Role
from tests.app.test_http_contract import assert_problem
from tests.factories import auth, make_enterprise, make_permit, make_user

UNKNOWN = "not_a_filter"


@pytest.fixture
def admin(session):
    return auth(make_user(session, Role.ADMIN)[1])


def _queried_endpoints(client) -> list[tuple[str, set[str]]]:
    """Every GET of the OpenAPI document that takes query parameters, with their names."""
    found = []
    for path, operations in client.get("/api/v1/openapi.json").get_json()["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        names = {p["name"] for p in parameters if p["in"] == "query"}
        if names:
            found.append((re.sub(r"\{[^}]+\}", str(uuid.UUID(int=1)), path), names))
    return found


def test_every_documented_query_refuses_an_unknown_parameter(client, admin):
    endpoints = _queried_endpoints(client)
    assert len(endpoints) >= 15, endpoints  # every list, the stream, the trace, the permit check
    for path, _ in endpoints:
        body = assert_problem(client.get(f"{path}?{UNKNOWN}=1", headers=admin), 422)
        assert body["errors"][f"query.{UNKNOWN}"] == ["Unknown field."], (path, body)


def test_paged_lists_still_take_their_paging_parameters(client, admin):
    paged = [path for path, names in _queried_endpoints(client) if {"page", "page_size"} <= names]
    assert "/api/v1/permits" in paged and "/api/v1/ledger/checkpoints" in paged and "/api/v1/waybills" in paged
    for path in paged:
        response = client.get(f"{path}?page=1&page_size=5", headers=admin)
        assert response.status_code == 200, (path, response.get_json())
        assert "X-Pagination" in response.headers
    assert_problem(client.get("/api/v1/permits?page=zero", headers=admin), 422)


def test_permits_and_sites_filter_by_enterprise_and_holder_stays_an_alias(client, session, admin):
    mine, other = make_enterprise(session), make_enterprise(session)
    make_permit(session, mine)
    make_permit(session, other)

    def permit_holders(query: str) -> list[str]:
        response = client.get(f"/api/v1/permits?{query}", headers=admin)
        assert response.status_code == 200, response.get_json()
        return [permit["holder_id"] for permit in response.get_json()]

    assert permit_holders(f"enterprise={mine.id}") == [str(mine.id)]
    assert permit_holders(f"holder={mine.id}") == [str(mine.id)]
    assert permit_holders(f"holder={mine.id}&enterprise={mine.id}") == [str(mine.id)]
    assert len(permit_holders("")) == 2
    body = assert_problem(client.get(f"/api/v1/permits?holder={mine.id}&enterprise={other.id}", headers=admin), 422)
    assert "query.holder" in body["errors"]
    assert client.get(f"/api/v1/sites?enterprise={mine.id}", headers=admin).status_code == 200


def test_the_alias_is_documented_as_deprecated(client):
    parameters = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/permits"]["get"]["parameters"]
    by_name = {p["name"]: p for p in parameters}
    assert by_name["holder"].get("deprecated") is True
    assert "deprecated" not in by_name["enterprise"]
