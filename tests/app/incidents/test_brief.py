"""The responders' brief (a page for supervisors): cargo and document line, ERG guide and distances, emergency
contact, who is in danger, the map; reached from the incident's alert on the dashboard."""
from __future__ import annotations

import re

from models import Role
from app.services.users import set_password
from tests.app.incidents.conftest import MID, report
from tests.factories import make_user
from tests.web.test_pages import PASSWORD, sign_in


def _signed_in(client, session, role):
    user, _ = make_user(session, role)
    set_password(session, user, PASSWORD)
    session.commit()
    sign_in(client, user)


def test_from_the_dashboard_alert_to_the_printable_brief(client, session, road):
    incident = report(client, road.trip.headers["supervisor"], waybill_id=road.id, lon=MID[0], lat=MID[1],
                      spill="fire", capacity_l=30000)
    _signed_in(client, session, Role.SUPERVISOR)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    links = set(re.findall(r'href="(/incidents/[^"]+/brief)"', dashboard))
    assert links == {f"/incidents/{incident['id']}/brief"}
    page = client.get(links.pop())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "UN1230" in html and "0510-12345678" in html          # cargo, and the waybill's emergency contact
    assert 'data-kind="fire_isolation"' in html and "ERG 2016 Guide" in html and "800 m" in html
    assert 'id="incident-map"' in html and "zone-fire_isolation" in html
    line = client.get(road.url, headers=road.trip.headers["supervisor"]).get_json()["versions"][-1]["lines"][0]
    assert line["transport_document"] == "UN 1230 METHANOL, 3, II, (D/E)"
    assert line["transport_document"] in html                       # the transport document line


def test_the_brief_is_for_supervisors(client, session, road):
    incident = report(client, road.trip.headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small")
    _signed_in(client, session, Role.AUDITOR)
    assert client.get(f"/incidents/{incident['id']}/brief").status_code == 403


def test_the_brief_of_an_unidentified_load_with_the_wind_known(client, session, road):
    incident = report(client, road.trip.headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_large",
                      hazard_class="2", wind_from_deg=90, night=True)
    _signed_in(client, session, Role.SUPERVISOR)
    html = client.get(f"/incidents/{incident['id']}/brief").get_data(as_text=True)
    assert "2 类货物" in re.sub(r"<[^>]+>", "", html)                    # known by its placard only
    assert 'class="erg-guide">121<' in html                              # non-flammable gas, no code given
    assert "下风向正方形" in html                                          # the wind is known
    assert 'id="emergency-contact"' not in html                          # no waybill, no contact to show


def test_the_brief_speaks_english_too(client, session, road):
    incident = report(client, road.trip.headers["supervisor"], waybill_id=road.id, lon=MID[0], lat=MID[1],
                      spill="fire", capacity_l=30000)
    client.set_cookie("hazledger_lang", "en")
    _signed_in(client, session, Role.SUPERVISOR)
    html = client.get(f"/incidents/{incident['id']}/brief").get_data(as_text=True)
    article = re.search(r'<article class="incident-brief".*?</article>', html, re.S)[0]
    assert "Dangerous goods incident: responders" in article and "Spill on fire" in article
    assert "Fire isolation zone" in article and "Who is in danger" in article
    # Every word is English; what is left in Chinese is data (names, the transport document), marked as such.
    words = re.sub(r'<(\w+)[^>]*translate="no"[^>]*>.*?</\1>', "", article, flags=re.S)
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<[^>]+>", "", words)), words


def test_the_risk_map_lists_the_open_incidents(client, session, road):
    headers = road.trip.headers
    open_one = report(client, headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small", un_number="1017")
    closed = report(client, headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small")
    client.post(f"/api/v1/incidents/{closed['id']}/transition", json={"to": "closed"}, headers=headers["supervisor"])
    _signed_in(client, session, Role.SUPERVISOR)
    html = client.get("/risk-map").get_data(as_text=True)
    listed = re.search(r'<ul id="open-incidents">(.*?)</ul>', html, re.S)[1]
    assert f"/incidents/{open_one['id']}/brief" in listed and "UN1017" in listed
    assert closed["id"] not in listed
