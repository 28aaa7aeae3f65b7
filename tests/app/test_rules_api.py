"""``GET /api/v1/rules/...``: the rules console's answers for signed-in users (the waybill form asks live)."""
from __future__ import annotations

import pytest

from app.services.transport_entries import import_table_a
from models import Role
from tests.factories import auth, make_user
from tests.paths import SHARED_DATA

TABLE_A = SHARED_DATA / "dangerous_goods" / "adr2017_table_a.csv"


@pytest.fixture
def firm(session):
    if not TABLE_A.is_file():
        pytest.skip(f"ADR 2017 Table A not found at {TABLE_A}")
    return auth(make_user(session, Role.ENTERPRISE)[1])


def test_line_mix_tunnel_from_the_shared_file(client, firm):
    line = client.get("/api/v1/rules/line?un=1230", headers=firm)
    assert line.status_code == 200 and line.get_json() == {"line": "UN 1230 METHANOL, 3 (6.1), II, (D/E)"}
    gasoline = client.get("/api/v1/rules/line?un=1203&name=gasoline", headers=firm).get_json()
    assert gasoline == {"line": "UN 1203 GASOLINE, 3, II, (D/E)"}
    mix = client.get("/api/v1/rules/mix?entry=0336&entry=1203", headers=firm).get_json()
    assert mix["allowed"] is False and "ADR 7.5.2.1" in mix["reasons"][0]
    assert client.get("/api/v1/rules/mix?entry=0084&entry=2990", headers=firm).get_json()["allowed"] is True
    tunnel = client.get("/api/v1/rules/tunnel?entry=1017&entry=1203&tank=true", headers=firm).get_json()
    assert (tunnel["code"], tunnel["closed"]) == ("C/D", ["C", "D", "E"])


def test_the_catalogue_answers_when_table_a_was_imported(client, session, firm):
    text = ("un_number,name,class,classification_code,packing_group,labels,tunnel_code\n"
            "1017,CHLORINE,2,2TOC,,2.3+5.1+8,B\n")   # an edited table: the catalogue's, not the file's
    import_table_a(session, text, "mine")
    body = client.get("/api/v1/rules/line?un=1017", headers=firm).get_json()
    assert body == {"line": "UN 1017 CHLORINE, 2.3 (5.1, 8), (B)"}
    assert client.get("/api/v1/rules/line?un=1230", headers=firm).status_code == 422  # not in this table


@pytest.mark.parametrize("url, field", [
    ("/api/v1/rules/line?un=1993", "un"),                       # ambiguous: six entries
    ("/api/v1/rules/line?un=9999", "un"),
    ("/api/v1/rules/line?un=1993&pg=IV", "pg"),
    ("/api/v1/rules/mix?entry=12", "entry"),
    ("/api/v1/rules/mix", "entry"),
    ("/api/v1/rules/tunnel?entry=1017&explosive_mass_kg=-1", "explosive_mass_kg"),
])
def test_bad_input_is_a_problem_422(client, firm, url, field):
    response = client.get(url, headers=firm)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert f"query.{field}" in response.get_json()["errors"]


def test_signed_in_users_only(client):
    assert client.get("/api/v1/rules/line?un=1017").status_code == 401


def test_entries_of_a_un_number_with_their_ids(client, session, firm):
    assert client.get("/api/v1/rules/entries?un=1230", headers=firm).get_json() == []
    import_table_a(session, "un_number,name,class,classification_code,packing_group,labels,tunnel_code\n"
                            "1230,METHANOL,3,FT1,II,3+6.1,D/E\n1230,METHANOL,3,FT1,III,3+6.1,E\n", "t")
    body = client.get("/api/v1/rules/entries?un=1230", headers=firm).get_json()
    assert [(e["ref"], e["tunnel_code"]) for e in body] == [("1230/II/1", "D/E"), ("1230/III/1", "E")]
    assert client.get("/api/v1/rules/entries?un=12", headers=firm).status_code == 422


def test_tunnel_with_quantities_answers_the_small_load(client, firm):
    """ADR 1.1.3.6.3 / 8.6.3.3: 300 L of UN 1203 is 900 points, exempt, no tunnel code; 400 L is not."""
    body = client.get("/api/v1/rules/tunnel?entry=1203&quantity=300%20L", headers=firm).get_json()
    assert (body["code"], body["closed"]) == ("-", [])
    assert body["small_load"]["exempt"] is True and body["small_load"]["points"] == 900
    assert body["small_load"]["lines"] == [{"ref": "1203", "transport_category": "2", "measure": "L",
                                            "quantity": 300, "points": 900, "problem": None}]
    assert "8.6.3.3" in body["notes"][0]
    over = client.get("/api/v1/rules/tunnel?entry=1203&quantity=400L", headers=firm).get_json()
    assert (over["code"], over["closed"], over["small_load"]["exempt"]) == ("D/E", ["E"], False)
    tank = client.get("/api/v1/rules/tunnel?entry=1203&quantity=300L&tank=true", headers=firm).get_json()
    assert (tank["code"], tank["small_load"]["exempt"]) == ("D/E", False)
    assert client.get("/api/v1/rules/tunnel?entry=1203", headers=firm).get_json()["small_load"] is None


@pytest.mark.parametrize("query", ["entry=1203&quantity=300", "entry=1203&quantity=300%20parsec",
                                   "entry=1203&quantity=300%20m", "entry=1203&entry=1017&quantity=300L"])
def test_bad_quantities_are_a_problem_422(client, firm, query):
    response = client.get(f"/api/v1/rules/tunnel?{query}", headers=firm)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "query.quantity" in response.get_json()["errors"]
