"""The risk map page: the SVG drawn inline (same origin, no script), its legend, and the table of the sites it
colours, for supervisors, auditors and administrators."""
from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from models import Role, User
from tests.app.hazards.test_risk_map import mapped  # noqa: F401 (fixture)
from tests.app.ledger.conftest import world  # noqa: F401 (fixture)
from tests.web.test_pages import person, sign_in  # noqa: F401 (fixture)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN])
def test_the_risk_map_page_shows_the_map_its_legend_and_the_major_hazard_sources(
        client: FlaskClient, person: Callable[..., User], mapped: dict, role: Role) -> None:  # noqa: F811
    sign_in(client, person(role))
    reply = client.get("/risk-map")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and 'href="/risk-map" aria-current="page"' in page
    svg = re.search(r"<svg [^>]*>", page)[0]
    assert 'id="risk-map"' in svg and 'role="img"' in svg and 'aria-labelledby="risk-map-caption"' in svg
    assert page.count("<circle") == 6 and page.count("<path") == 7  # every site, every district
    assert "<script" not in page.split("</header>")[1] and " style=" not in page  # nothing the CSP refuses
    legend = re.findall(r'<li data-level="(\w+)">', page)
    assert legend == ["red", "orange", "yellow", "blue"]
    table = re.search(r'<table class="data" id="major-hazard-sites">.*?</table>', page, re.S)[0]
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in re.findall(r"<tr data-level.*?</tr>", table, re.S)]
    # Most dangerous first: 胡埭罐区 二级 (R 50), then 梅村仓库 三级 (R 10) raised to orange by its critical alert
    # (each has the major-hazard alert of becoming a source, open).
    assert rows == [["胡埭罐区", "无锡锡山精细化工", "滨湖区", "二级", "6.25", "50", "较大风险", "1"],
                    ["梅村仓库", "无锡锡山精细化工", "新吴区", "三级", "1.25", "10", "较大风险", "(因严重报警升级)", "2"]]


def test_the_risk_map_is_refused_to_an_enterprise(client: FlaskClient,
                                                  person: Callable[..., User]) -> None:  # noqa: F811
    sign_in(client, person(Role.ENTERPRISE))
    assert client.get("/risk-map").status_code == 403
    assert 'href="/risk-map"' not in client.get("/firm").get_data(as_text=True)


def test_the_risk_map_page_speaks_english_too(client: FlaskClient, person: Callable[..., User],  # noqa: F811
                                              mapped: dict) -> None:  # noqa: F811
    client.set_cookie("hazledger_lang", "en")
    sign_in(client, person(Role.SUPERVISOR))
    page = client.get("/risk-map").get_data(as_text=True)
    assert "<h1>Risk map</h1>" in page and "Grade 2" in page and "Considerable risk" in page
    assert "Major hazard sources: four-colour risk map (Wuxi)" in page
