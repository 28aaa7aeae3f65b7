"""Who is in danger, and keeping traffic away: sites and their units in the zones (domino risk in a fire zone),
districts, other vehicles inside or heading in, the live checks' no-entry zone, the detour around it."""
from __future__ import annotations

from decimal import Decimal

import pytest
from shapely.geometry import shape
from sqlalchemy import select

from app.services import units
from app.services.road_network import road_network
from models import Alert, AlertKind, Role
from routing.planner import plan_route
from routing.projection import geometry_to_metric
from tests.app.incidents.conftest import B, INCIDENTS, MID, report, vehicle_at
from tests.app.monitoring.conftest import alerts_of, post_fixes
from tests.factories import make_chemical, make_enterprise, make_site, make_user
from tests.paths import SHARED_DATA

# LPG (UN1075) in a 20,000 L tank on fire: fire isolation 1,600 m, BLEVE 1,852 m (ERG 2016 Guide 115, BLEVE table,
# 22,000 L row); 100 m isolation.
LPG_FIRE = {"lon": MID[0], "lat": MID[1], "spill": "fire", "un_number": "1075", "hazard_class": "2",
            "capacity_l": 20000}
_M_PER_DEG_LON = 95_200.0  # at 31.2° N


@pytest.fixture
def plant(session):
    """A chlorine plant 1 km east of the incident (inside the fire zone), a major hazard source; a warehouse 5 km
    away (outside)."""
    owner = make_enterprise(session, name="锡东氯碱")
    near = make_site(session, owner, name="氯碱厂", lon=MID[0] + 1000 / _M_PER_DEG_LON, lat=MID[1],
                     exposed_population=120, district_adcode="320205")
    far = make_site(session, owner, name="远处仓库", lon=MID[0] + 5000 / _M_PER_DEG_LON, lat=MID[1])
    for site in (near, far):
        units.default_unit(session, site)
    chlorine = make_chemical(session, un_number="1017", name_zh="液氯", hazard_class="2",
                             major_hazard_threshold_t=Decimal(5), major_hazard_beta=Decimal(4))
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    units.set_design_maximum(session, supervisor, near.id, chemical_id=chlorine.id, quantity_t=Decimal(20),
                             reason="设计文件")
    session.commit()
    return near, far


def test_sites_in_the_zones_with_population_units_and_domino_risk(client, road, plant):
    headers = road.trip.headers
    incident = report(client, headers["supervisor"], **LPG_FIRE)
    exposure = client.get(f"{INCIDENTS}/{incident['id']}/exposure", headers=headers["supervisor"]).get_json()
    [site] = exposure["sites"]
    assert site["name"] == "氯碱厂" and site["zones"] == ["bleve_evacuation", "fire_isolation"]
    assert exposure["exposed_population"] == 120
    [unit] = site["units"]
    assert unit["major_hazard_source"] and unit["domino_risk"]
    assert unit["chemicals"][0]["un_number"] == "1017" and unit["chemicals"][0]["design_maximum_t"] == "20"
    assert exposure["domino_risk"] == ["氯碱厂"]
    # The incident is in Shanghai, outside Wuxi's outlines: the district is the exposed site's.
    assert exposure["districts"] == [{"adcode": "320205", "name": "锡山区", "by": "site"}]
    assert exposure["roads"]["network"] is False


def test_a_major_hazard_unit_outside_a_fire_zone_is_no_domino_risk(client, road, plant):
    headers = road.trip.headers
    # Chlorine small spill by day: 60 m isolation, 300 m downwind: the plant 1 km away is outside.
    incident = report(client, headers["supervisor"], lon=MID[0], lat=MID[1], spill="leak_small", un_number="1017")
    exposure = client.get(f"{INCIDENTS}/{incident['id']}/exposure", headers=headers["supervisor"]).get_json()
    assert exposure["sites"] == [] and exposure["domino_risk"] == []


def test_exposure_is_for_the_authorities(client, road):
    headers = road.trip.headers
    incident = report(client, headers["carrier"], waybill_id=road.id, lon=MID[0], lat=MID[1], spill="leak_small")
    assert client.get(f"{INCIDENTS}/{incident['id']}/exposure", headers=headers["carrier"]).status_code == 403
    assert client.get(f"{INCIDENTS}/{incident['id']}/exposure", headers=headers["auditor"]).status_code == 200


def test_vehicles_inside_or_heading_in_are_warned(client, session, road):
    headers = road.trip.headers
    inside = vehicle_at(session, road.trip, MID[0] + 500 / _M_PER_DEG_LON, MID[1])
    # 10 km west of the incident, bound for B (east of it): at 80 km/h it is there within the hour.
    heading = vehicle_at(session, road.trip, MID[0] - 10_000 / _M_PER_DEG_LON, MID[1])
    # 150 km west: it cannot reach the zones within the hour.
    far = vehicle_at(session, road.trip, MID[0] - 150_000 / _M_PER_DEG_LON, MID[1])
    incident = report(client, headers["supervisor"], **LPG_FIRE)
    exposure = client.get(f"{INCIDENTS}/{incident['id']}/exposure", headers=headers["supervisor"]).get_json()
    where = {w["waybill_id"]: w["where"] for w in exposure["waybills"]}
    assert where == {str(inside.id): "inside", str(heading.id): "ahead"}
    assert str(far.id) not in where
    warned = {a.waybill_id: a for a in session.scalars(select(Alert).where(Alert.kind == AlertKind.INCIDENT_ZONE))}
    assert set(warned) == {inside.id, heading.id}
    assert warned[inside.id].severity == "critical" and warned[heading.id].severity == "high"
    # Without a road network no detour can be planned, and the alert says so.
    assert "no road network" in warned[heading.id].details["detour_note"]


def test_the_live_checks_apply_the_zone_to_a_trip(client, road):
    headers = road.trip.headers
    report(client, headers["supervisor"], **LPG_FIRE)
    # The trip drives east along its corridor into the zones around MID.
    post_fixes(client, road, road.drive().go(MID[0], MID[1]).take())
    assert "forbidden_zone" in {a["kind"] for a in alerts_of(client, road)}


def test_with_a_road_network_the_vehicle_heading_in_gets_a_route_around_the_zones(
        app, client, session, road, network_cache):
    """On the Shanghai extract: a tanker at (121.43, 31.20) bound for B; a gasoline spill on its fastest route.
    It is warned, with a route to B that touches none of the zones' roads; the exposure lists those roads."""
    if not (SHARED_DATA / "osm" / "shanghai_center.osm").is_file():
        pytest.skip("the Shanghai OSM extract is not installed")
    app.config.update(NETWORK_PATH="osm/shanghai_center.osm", CACHE_DIR=str(network_cache))
    start = (121.43, 31.20)
    with app.app_context():
        network = road_network()
    fastest = plan_route(network, start, B)
    middle = fastest.geometry.interpolate(0.5, normalized=True)
    tanker = vehicle_at(session, road.trip, *start)
    incident = report(client, road.trip.headers["supervisor"], lon=middle.x, lat=middle.y, spill="leak_large",
                      un_number="1203", hazard_class="3")
    [alert] = session.scalars(select(Alert).where(Alert.kind == AlertKind.INCIDENT_ZONE)).all()
    assert alert.waybill_id == tanker.id and alert.details["where"] == "ahead"
    detour = shape(alert.details["detour"]["geometry"])
    area = geometry_to_metric(shape(incident["zones"]["area"]), network.crs)
    assert not geometry_to_metric(detour, network.crs).intersects(area)
    exposure = client.get(f"{INCIDENTS}/{incident['id']}/exposure", headers=road.trip.headers["supervisor"]).get_json()
    assert exposure["roads"]["network"] and exposure["roads"]["edges"] > 0
