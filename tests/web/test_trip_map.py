"""A waybill without a corridor still has its map (issue 19): its sites, the track driven and where the vehicle
was last seen; there is only nothing to check the trip against."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import Role, User
from models.types import utcnow
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.web.test_pages import person, sign_in  # noqa: F401 (fixture)


def test_a_waybill_without_a_corridor_shows_its_track_and_last_position(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:  # noqa: F811
    trip = build_trip(session)
    waybill = waybill_in_transit(session, trip)
    session.commit()
    start = utcnow() - dt.timedelta(hours=1)
    fixes = [{"time": (start + dt.timedelta(minutes=n)).isoformat(), "lon": 120.30 + n * 0.002, "lat": 31.60}
             for n in range(5)]
    reply = client.post(f"/api/v1/waybills/{waybill.id}/track", json={"fixes": fixes}, headers=trip.headers["carrier"])
    assert reply.status_code == 200, reply.get_json()
    sign_in(client, person(Role.SUPERVISOR))
    page = client.get(f"/waybills/{waybill.id}").get_data(as_text=True)
    svg = re.search(r'<svg id="trip-map".*?</svg>', page, re.S)[0]
    assert 'class="track"' in svg and 'class="site last-position"' in svg and 'class="site loading"' in svg
    assert 'class="corridor"' not in svg and 'id="check-summary"' not in page
    assert "此运单未指定通行线路" in page and "最新定位" in page


def test_the_chain_graph_fits_the_page_and_pans_at_full_size(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:  # noqa: F811
    """Issue 19: a long chain was cut off on the right; it is scaled to the page, or shown at full size to pan."""
    build_trip(session)
    sign_in(client, person(Role.AUDITOR))
    fitted = client.get("/trace/MEOH-001").get_data(as_text=True)
    assert re.search(r'<svg id="trace-graph" class="fit"', fitted) and "size=full" in fitted
    full = client.get("/trace/MEOH-001?size=full").get_data(as_text=True)
    assert '<svg id="trace-graph" viewBox' in full and "按页面宽度显示链条" in full
