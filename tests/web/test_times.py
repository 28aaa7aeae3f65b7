"""Every time a person reads on the pages carries its date, year included (issue 24: "01-01 16:13:30" had none)."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services.users import set_password
from app.web.i18n import TIME_FORMATS, local_time
from models import Role
from models.types import utcnow
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.factories import make_user
from tests.web.test_pages import PASSWORD, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "web" / "templates"
CLOCK = re.compile(r"(?<![\d:])\d{2}:\d{2}(?::\d{2})?(?![\d:])")
DATED = re.compile(r"\d{4}-\d{2}-\d{2} $")


def undated_times(page: str) -> list[str]:
    """The clock times in *page*'s visible text not written right after a full date (with its year)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [text[max(0, m.start() - 20):m.end()] for m in CLOCK.finditer(text)
            if not DATED.search(text[max(0, m.start() - 11):m.start()])]


def test_local_time_always_writes_the_date_and_year(app: Flask) -> None:
    moment = dt.datetime(2026, 1, 1, 8, 13, 30, tzinfo=dt.timezone.utc)
    with app.app_context():
        assert local_time(moment) == "2026-01-01 16:13"
        assert local_time(moment, "seconds") == "2026-01-01 16:13:30"
    assert all(fmt.startswith("%Y-%m-%d ") for fmt in TIME_FORMATS.values())


def test_no_template_formats_a_time_of_its_own() -> None:
    for template in TEMPLATES.glob("*.html"):
        for argument in re.findall(r"\|\s*localtime\(([^)]*)\)", template.read_text("utf-8")):
            assert argument.strip("\"' ") in TIME_FORMATS, (template.name, argument)


def test_the_dashboard_and_the_waybill_page_date_every_time(client: FlaskClient, session: Session) -> None:
    trip = build_trip(session)
    waybill = waybill_in_transit(session, trip)
    session.commit()
    taken = (utcnow() - dt.timedelta(minutes=2)).replace(microsecond=0).isoformat()
    posted = client.post(f"/api/v1/waybills/{waybill.id}/track", headers=trip.headers["carrier"],
                         json={"fixes": [{"time": taken, "lon": 120.3, "lat": 31.6, "speed": 30}]})
    assert posted.status_code == 200, posted.get_json()
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    set_password(session, supervisor, PASSWORD)
    session.commit()
    sign_in(client, supervisor)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert waybill.number in dashboard and CLOCK.search(dashboard)
    assert undated_times(dashboard) == []
    assert undated_times(client.get(f"/waybills/{waybill.id}").get_data(as_text=True)) == []
    assert undated_times(client.get("/waybills").get_data(as_text=True)) == []
