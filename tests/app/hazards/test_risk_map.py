"""The risk map: sites and Wuxi's districts in the four colours, as GeoJSON and as a self-contained SVG."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from app.services import units
from app.services.alerts import raise_alert
from app.services.hazards import design_maxima, risk_map
from models import AlertKind, Role, Severity
from models.types import utcnow
from tests.factories import auth, make_chemical, make_site, make_user

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def mapped(session, world, shared_data):
    """Chlorine (Q = 5 t, β = 4), α = 2.0 everywhere (150 people), so R = 1.6 q in tonnes:

    - 滨湖区 site (by its adcode): 31.25 t, R = 50: 二级, orange;
    - a site with no adcode at 新吴区's centroid: 6.25 t, R = 10: 三级, yellow, raised to orange by an open
      critical alert;
    - 梁溪区 site: nothing registered: blue (so are the ledger world's three sites, at a point in 梁溪区).
    The quantities are the default units' design maximums, registered by a supervisor.
    The other districts have no sites: blue.
    """
    chlorine = make_chemical(session, un_number="1017", hazard_class="2", major_hazard_threshold_t=Decimal(5),
                             major_hazard_beta=Decimal(4))
    binhu = make_site(session, world.producer, name="胡埭罐区", district_adcode="320211", exposed_population=150,
                      lon=120.17, lat=31.53)
    xinwu = make_site(session, world.producer, name="梅村仓库", exposed_population=150, lon=120.429487, lat=31.506686)
    liangxi = make_site(session, world.producer, name="梁溪办公", district_adcode="320213", exposed_population=150)
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    for site, tonnes in ((binhu, "31.25"), (xinwu, "6.25")):
        units.set_design_maximum(session, supervisor, site.id, chemical_id=chlorine.id, quantity_t=Decimal(tonnes),
                                 reason="设计文件")
    raise_alert(session, key="test:critical", kind=AlertKind.DEVIATION, severity=Severity.CRITICAL,
                title="critical", started_at=utcnow(), site_id=xinwu.id)
    session.commit()
    return {"binhu": binhu, "xinwu": xinwu, "liangxi": liangxi}


def features(body, kind):
    return {f["properties"]["name"]: f["properties"] for f in body["features"] if f["properties"]["kind"] == kind}


def test_sites_and_districts_take_their_colours(client, world, mapped):
    response = client.get("/api/v1/risk-map", headers=auth(world.tokens["auditor"]))
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and "anzhou99/GeoJsons" in body["attribution"][0]
    sites = features(body, "site")
    assert (sites["胡埭罐区"]["grade"], sites["胡埭罐区"]["level"], sites["胡埭罐区"]["r"]) == ("二级", "orange", "50")
    assert (sites["梅村仓库"]["grade"], sites["梅村仓库"]["level"]) == ("三级", "orange")
    assert sites["梅村仓库"]["raised_by_alert"] is True and sites["梅村仓库"]["district_adcode"] == "320214"
    assert (sites["梁溪办公"]["grade"], sites["梁溪办公"]["level"]) == (None, "blue")
    districts = features(body, "district")
    assert len(districts) == 7
    assert {name: d["level"] for name, d in districts.items()} == {
        "滨湖区": "orange", "新吴区": "orange", "梁溪区": "blue", "锡山区": "blue", "惠山区": "blue", "江阴市": "blue",
        "宜兴市": "blue"}
    assert districts["滨湖区"]["colour"] == "#ff7f0e" and districts["梁溪区"]["sites"] == 4


def test_an_enterprise_sees_only_its_own_sites(client, world, mapped):
    body = client.get("/api/v1/risk-map", headers=auth(world.tokens["buyer"])).get_json()
    assert [(p["id"], p["level"]) for p in features(body, "site").values()] == [(str(world.buyer_site.id), "blue")]
    assert {d["level"] for d in features(body, "district").values()} == {"blue"}


def test_the_svg_has_the_map_a_legend_and_the_attribution(client, world, mapped):
    response = client.get("/api/v1/risk-map.svg", headers={**auth(world.tokens["auditor"]), "Accept-Language": "zh"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.get_data())
    assert len(root.findall(f"{SVG}path")) == 7 and len(root.findall(f"{SVG}circle")) == 6
    text = "".join(root.itertext())
    for label in ("重大风险", "较大风险", "一般风险", "低风险", "anzhou99/GeoJsons", "GB 18218-2018", "滨湖区"):
        assert label in text
    assert {c.get("fill") for c in root.findall(f"{SVG}circle")} == {"#ff7f0e", "#1f77b4"}
    assert "http" not in response.get_data(as_text=True).replace("http://www.w3.org/2000/svg", "")
    names = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "site-name"]
    assert len(names) == 6 and "胡埭罐区" in names  # each site drawn is named beside its dot


def test_the_svg_speaks_the_language_the_client_asks_for(client, world, mapped):
    """Issue 19: no "未关闭的 critical 告警" mixing two languages; English by default, names as they are."""
    chinese = client.get("/api/v1/risk-map.svg", headers={**auth(world.tokens["auditor"]), "Accept-Language": "zh"})
    assert "升1级" in chinese.get_data(as_text=True) and "critical" not in chinese.get_data(as_text=True)
    english = ET.fromstring(client.get("/api/v1/risk-map.svg", headers=auth(world.tokens["auditor"])).get_data())
    words = [t.text or "" for t in english.iter(f"{SVG}text") if t.get("class") != "site-name"]
    names = {f["properties"]["name"] for f in client.get("/api/v1/risk-map", headers=auth(
        world.tokens["auditor"])).get_json()["features"]}
    assert "Legend" in words and "Considerable risk" in words
    assert [w for w in words if re.search(r"[\u4e00-\u9fff]", w) and w not in names] == []


def test_without_the_boundary_file_the_map_has_sites_only(app, client, world, mapped):
    app.config["DISTRICTS_FILE"] = "boundaries/missing.geojson"
    body = client.get("/api/v1/risk-map", headers=auth(world.tokens["auditor"])).get_json()
    assert features(body, "district") == {} and body["districts_source"] is None and body["attribution"] == []
    assert len(features(body, "site")) == 6
    assert client.get("/api/v1/risk-map.svg", headers=auth(world.tokens["auditor"])).status_code == 200


def test_many_sites_take_one_pass_over_all_units_with_the_same_result(client, world, mapped, monkeypatch):
    by_ids = client.get("/api/v1/risk-map", headers=auth(world.tokens["auditor"])).get_json()
    monkeypatch.setattr(design_maxima, "MANY", 0)
    assert client.get("/api/v1/risk-map", headers=auth(world.tokens["auditor"])).get_json() == by_ids


def test_the_colour_scheme_names_its_source_and_our_rules_are_a_stated_policy(client, world, mapped):
    body = client.get("/api/v1/risk-map", headers=auth(world.tokens["auditor"])).get_json()
    assert "安委办〔2016〕11号" in body["colour_scheme_source"]
    assert body["policy"]["grade_levels"] == {"一级": "red", "二级": "orange", "三级": "yellow", "四级": "blue",
                                              "none": "blue"}
    assert body["policy"]["critical_alert_raises"] == 1 and "policy" in body["policy"]["source"]
    assert [entry["rule"] for entry in body["legend"]] == ["四级或非重大危险源", "三级", "二级", "一级"]


def test_the_policy_is_configurable(app, client, world, mapped):
    """No raise for alerts, and 三级 shown orange: 梅村仓库 (三级, a critical alert) is orange by its grade."""
    app.config["RISK_MAP_CRITICAL_ALERT_RAISES"] = 0
    app.config["RISK_MAP_GRADE_LEVELS"] = {"一级": "red", "二级": "red", "三级": "orange", "四级": "yellow",
                                           "none": "blue"}
    body = client.get("/api/v1/risk-map", headers=auth(world.tokens["auditor"])).get_json()
    sites = features(body, "site")
    assert (sites["胡埭罐区"]["level"], sites["梅村仓库"]["level"], sites["梅村仓库"]["raised_by_alert"]) == (
        "red", "orange", False)
    assert body["rules"].startswith("alerts do not change")


@pytest.mark.parametrize("levels, raises", [
    ({"一级": "purple", "二级": "red", "三级": "orange", "四级": "yellow", "none": "blue"}, 1),
    ({"一级": "red"}, 1),
    ({"一级": "red", "二级": "orange", "三级": "yellow", "四级": "blue", "none": "blue"}, 9),
])
def test_a_bad_policy_is_refused(levels, raises):
    with pytest.raises(ValueError):
        risk_map.RiskPolicy(levels, raises)
