"""A trip on a straight test road in Shanghai, a simulated vehicle that drives it, and how to post its fixes.

The road runs 9.5 km east from the loading site A (121.40, 31.20) to the unloading site B (121.50, 31.20),
50 m either side. A no-entry zone lies 330-660 m north of it (121.44-121.45); a no-stop zone spans the road
(121.46-121.47). The trip departed at ``t0``, 100 minutes ago, inside its planned window.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.services import road_network
from app.services.corridors import register_corridor, register_zone
from models.engine import make_engine
from models.types import utcnow
from tests.app.waybills.conftest import Trip, build_trip
from tests.paths import SHANGHAI_OSM

API = "/api/v1"
A = (121.40, 31.20)
B = (121.50, 31.20)
MID = (121.45, 31.20)
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(31.2))
_M_PER_DEG_LAT = 110_574.0


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def road_geojson(**properties: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"width_m": 50, **properties},
                                                       "geometry": {"type": "LineString", "coordinates": [A, B]}}]}


@dataclass
class Drive:
    """A simulated vehicle: a fix every ``every`` seconds, with the speed its terminal reports (unless told not)."""

    t: dt.datetime
    lon: float
    lat: float
    every: float = 10.0
    report_speed: bool = True
    fixes: list[dict[str, Any]] = field(default_factory=list)

    def _fix(self, kph: float) -> None:
        fix = {"time": self.t.isoformat(), "lon": round(self.lon, 7), "lat": round(self.lat, 7)}
        if self.report_speed:
            fix["speed"] = round(kph, 1)
        self.fixes.append(fix)

    def go(self, lon: float, lat: float, kph: float = 40.0) -> Drive:
        """Drive straight to (lon, lat) at *kph*."""
        metres = math.hypot((lon - self.lon) * _M_PER_DEG_LON, (lat - self.lat) * _M_PER_DEG_LAT)
        steps = max(1, math.ceil(metres / (kph / 3.6) / self.every))
        d_lon, d_lat = (lon - self.lon) / steps, (lat - self.lat) / steps
        for _ in range(steps):
            self.t += dt.timedelta(seconds=metres / (kph / 3.6) / steps)
            self.lon, self.lat = self.lon + d_lon, self.lat + d_lat
            self._fix(kph)
        return self

    def wait(self, seconds: float, jitter_m: float = 0.0) -> Drive:
        """Stand still for *seconds* (GPS noise of up to *jitter_m* on the positions)."""
        here = self.lon, self.lat
        for i in range(int(seconds // self.every)):
            self.t += dt.timedelta(seconds=self.every)
            wobble = jitter_m * math.sin(i * 2.1)
            self.lon, self.lat = here[0] + wobble / _M_PER_DEG_LON, here[1] + wobble / _M_PER_DEG_LAT
            self._fix(0.0)
        self.lon, self.lat = here
        return self

    def silent(self, seconds: float) -> Drive:
        """Let time pass without a fix (the vehicle keeps its place)."""
        self.t += dt.timedelta(seconds=seconds)
        return self

    def take(self) -> list[dict[str, Any]]:
        """The fixes so far, forgotten here."""
        fixes, self.fixes = self.fixes, []
        return fixes


@dataclass
class RoadTrip:
    url: str
    id: str
    t0: dt.datetime
    trip: Trip

    def drive(self, **kwargs: Any) -> Drive:
        """A vehicle at the loading site at departure."""
        return Drive(self.t0, *A, **kwargs)


def post_fixes(client: Any, road: RoadTrip, fixes: list[dict[str, Any]], *, status: int = 200) -> dict[str, Any]:
    response = client.post(f"{road.url}/track", json={"fixes": fixes}, headers=road.trip.headers["carrier"])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def alerts_of(client: Any, road: RoadTrip, **filters: Any) -> list[dict[str, Any]]:
    """The trip's alerts, oldest first; each also read in Chinese, made from its details (so every check's test
    also holds the Chinese sentence to the details the check writes)."""
    query = "&".join(f"{k}={v}" for k, v in {"waybill": road.id, "page_size": 100, **filters}.items())
    headers = road.trip.headers["supervisor"]
    response = client.get(f"{API}/alerts?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    alerts = sorted(response.get_json(), key=lambda a: (a["started_at"], a["id"]))
    chinese = client.get(f"{API}/alerts?{query}", headers={**headers, "Accept-Language": "zh"}).get_json()
    for alert, told in zip(alerts, sorted(chinese, key=lambda a: (a["started_at"], a["id"])), strict=True):
        assert alert["title"].startswith(f"{alert['subject']}: "), alert["title"]
        assert told["title"].startswith(f"{alert['subject']}：") and told["title"] != alert["title"], told["title"]
    return alerts


def kinds(alerts: list[dict[str, Any]]) -> list[str]:
    return [a["kind"] for a in alerts]


def register_road(session: Session, name: str = "测试通道", **properties: Any) -> Any:
    return register_corridor(session, {"name": name, "geojson": road_geojson(**properties)})


def start_trip(client: Any, session: Session, trip: Trip, corridor_id: Any | None,
               window: tuple[dt.timedelta, dt.timedelta] = (-dt.timedelta(minutes=10), dt.timedelta(hours=4)),
               ) -> RoadTrip:
    """Sites at A and B, the waybill issued (with the corridor) and departed 100 minutes ago; the planned
    departure window is *window* around that time."""
    trip.loading.lon, trip.loading.lat = A
    trip.unloading.lon, trip.unloading.lat = B
    session.commit()
    t0 = (utcnow() - dt.timedelta(minutes=100)).replace(microsecond=0)
    draft = trip.draft(departure_earliest=(t0 + window[0]).isoformat(), departure_latest=(t0 + window[1]).isoformat(),
                       corridor_id=str(corridor_id) if corridor_id else None)
    waybill = client.post(f"{API}/waybills", json=draft, headers=trip.headers["shipper"]).get_json()
    url = f"{API}/waybills/{waybill['id']}"
    steps = [("submit", {"row_version": waybill["row_version"]}, "shipper"),
             ("depart", {"at": t0.isoformat()}, "carrier")]
    for action, body, party in steps:
        response = client.post(f"{url}/{action}", json=body, headers=trip.headers[party])
        assert response.status_code == 200, response.get_json()
    return RoadTrip(url=url, id=waybill["id"], t0=t0, trip=trip)


def replay(client: Any, session: Session, trip: Trip, corridor_id: Any,
           fixes_of: Callable[[dt.datetime], list[dict[str, Any]]], uploads: int = 1
           ) -> tuple[RoadTrip, list[dict[str, Any]]]:
    """Start a trip on the corridor, make its fixes (``fixes_of(t0)``), end it at their last fix (``route check``
    takes a track's last fix as the trip's end; live, the trip's end is its unloading site) and upload them in
    *uploads* batches."""
    road = start_trip(client, session, trip, corridor_id)
    fixes = fixes_of(road.t0)
    trip.unloading.lon, trip.unloading.lat = fixes[-1]["lon"], fixes[-1]["lat"]
    session.commit()
    size = -(-len(fixes) // uploads)
    for first in range(0, len(fixes), size):
        post_fixes(client, road, fixes[first:first + size])
    return road, fixes


@pytest.fixture
def matching(app: Any, network_cache: Path) -> Any:
    """The app with live map matching on the real Shanghai extract, its network prepared before the first upload."""
    if not SHANGHAI_OSM.is_file():
        pytest.skip(f"reference data not available: {SHANGHAI_OSM}")
    app.config.update(MONITOR_MAP_MATCH=True, MONITOR_MATCH_SIGMA_M=10, MONITOR_OVERSPEED_SECONDS=30,
                      MONITOR_MIN_SECONDS=30,
                      NETWORK_PATH=str(SHANGHAI_OSM), CACHE_DIR=str(network_cache))
    with app.app_context():
        assert road_network.matching_graph(wait=True) is not None
    return app


@pytest.fixture
def trip(session: Session) -> Trip:
    return build_trip(session)


@pytest.fixture
def road(client: Any, session: Session, trip: Trip) -> RoadTrip:
    corridor = register_road(session)
    register_zone(session, {"name": "北侧禁入区", "rule": "no_entry", "geometry": box(121.44, 31.203, 121.45, 31.206)})
    register_zone(session, {"name": "中段禁停区", "rule": "no_stop", "geometry": box(121.46, 31.199, 121.47, 31.201)})
    return start_trip(client, session, trip, corridor.id)


@dataclass
class Committed:
    """A road trip in a database of its own, committed for real (for the CLI, threads and a live server)."""

    app: Any
    client: Any
    session: Session
    road: RoadTrip


@pytest.fixture
def committed(fresh_database_url: str) -> Iterator[Committed]:
    app = create_app({"TESTING": True, "DATABASE_URL": fresh_database_url, "ALERT_STREAM_POLL_S": 0.1})
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        trip = build_trip(session)
        road = start_trip(app.test_client(), session, trip, register_road(session).id)
        yield Committed(app, app.test_client(), session, road)
    engine.dispose()
    db.dispose(app)
