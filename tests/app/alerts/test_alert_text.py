"""An alert's title is made from its kind, its subject and its CURRENT details, in the reader's language (issue 19):
not a sentence stored once with the figures of that moment, and not English on a Chinese page."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from app import migrate
from app.services.alert_text import SENTENCES, describe
from app.services.alerts import raise_alert
from models import AlertKind, Role, Severity
from models.engine import make_engine
from models.types import utcnow
from tests.factories import auth, make_user

#: Details of the shape each check writes, one per sentence.
EXAMPLES = [
    ("deviation", {"max_offset_m": 412.4}, "苏B12345 (YD1): off the corridor, up to 412 m", "偏离通道，最远 412 米"),
    ("time_window", {"window": "departure", "off_by_s": 1800, "how": "late"},
     "苏B12345 (YD1): departed 30 min late for its planned window", "推迟 30 分钟出发"),
    ("time_window", {"window": "corridor"}, "苏B12345 (YD1): on the corridor outside its time window", "通行时段外"),
    ("forbidden_zone", {"zone": "Z1", "rule": "no_stop"}, "苏B12345 (YD1): stopped in no-stop zone Z1", "禁停区 Z1"),
    ("forbidden_zone", {"zone": "Z1", "rule": "forbidden"}, "苏B12345 (YD1): in forbidden zone Z1", "禁行区 Z1"),
    ("stop", {"duration_s": 1260}, "苏B12345 (YD1): stopped 21 min outside a permitted place", "停车 21 分钟"),
    ("signal_gap", {"gap_s": 600, "ongoing": True}, "苏B12345 (YD1): no position for more than 10 min so far",
     "已超过 10 分钟无定位"),
    ("overspeed", {"max_speed_kph": 91.2, "limit_kph": 80}, "苏B12345 (YD1): up to 91 km/h (limit 80)", "限速 80"),
    ("overspeed", {"max_speed_kph": 72.4, "limit_kph": 60, "method": "map_match", "roads": ["肇嘉浜路", "徐家汇路"]},
     "苏B12345 (YD1): up to 72 km/h on 肇嘉浜路, 徐家汇路 (limit 60)", "在肇嘉浜路, 徐家汇路最高 72 km/h（限速 60）"),
    ("deviation", {"max_offset_m": 376.0, "method": "map_match", "roads": ["合肥路", "马当路"]},
     "苏B12345 (YD1): off the corridor on 合肥路, 马当路, up to 376 m", "偏离通道，行驶于合肥路, 马当路，最远 376 米"),
    ("deviation", {"max_offset_m": 41.0, "method": "map_match", "roads": []},
     "苏B12345 (YD1): off the corridor, up to 41 m", "偏离通道，最远 41 米"),
    ("arrival_elsewhere", {"distance_m": 950}, "苏B12345 (YD1): arrival declared 950 m from the consignee's site",
     "距收货地点 950 米"),
    ("major_hazard", {"grade": "二级", "s": "5.006", "r": "61.2"},
     "苏B12345 (YD1): a grade 2 major hazard source (S = 5.006, R = 61.2)", "二级重大危险源（S = 5.006"),
    ("waste_overdue", {"batch": "W-1", "category": "HW08", "code": "900-249-08", "kg": "12.5",
                       "generated_at": "2026-01-02T08:00:00+00:00", "allowed_days": 365},
     "Hazardous waste stored too long: W-1 (HW08 900-249-08) 12.5 kg at 苏B12345 (YD1), generated 2026-01-02, "
     "more than 365 days", "危险废物贮存超期"),
    ("waste_transfer", {"manifest": "2026320200000001", "problem": "refused"},
     "Transfer manifest 苏B12345 (YD1): the receiver refused it", "接受人拒绝接收"),
    ("fatigue_driving", {"driving_since": "2026-01-02T08:00:00+00:00", "driving_s": 15000, "rest_min": 20},
     "苏B12345 (YD1): driving 4.2 h since 2026-01-02 08:00 UTC without a 20-minute rest", "已连续驾驶 4.2 小时"),
    ("terminal_alarm", {"alarm": "emergency", "terminal": "013912345678"},
     "苏B12345 (YD1) (terminal 013912345678): emergency button pressed", "紧急报警"),
    ("incident", {"department": "public_security", "where": "121.47000, 31.23000"},
     "Dangerous-goods incident 苏B12345 (YD1) at 121.47000, 31.23000: cordon off the scene and control the traffic",
     "现场警戒与交通管制"),
    ("incident_zone", {"where": "ahead", "zone": "事故封控区 1"},
     "苏B12345 (YD1): heading into the incident zone 事故封控区 1 within the hour; follow the detour", "绕行"),
]


def test_every_kind_has_a_sentence_and_each_says_its_figures(app) -> None:
    assert {kind for kind, *_ in EXAMPLES} == set(SENTENCES) == {str(k) for k in AlertKind}
    for kind, details, english, chinese in EXAMPLES:
        made = describe(kind, "苏B12345 (YD1)", details)
        assert made == english
        with app.test_request_context("/api/v1/alerts", headers={"Accept-Language": "zh"}):
            from app.i18n import localize
            assert chinese in localize(made) and "苏B12345 (YD1)" in localize(made), kind


def test_details_of_an_older_shape_keep_the_stored_title(app, session) -> None:
    alert, _ = raise_alert(session, key="old", kind=AlertKind.TIME_WINDOW, severity=Severity.LOW, subject="苏B1",
                           title="written long ago", started_at=utcnow(), details={"window": "departure"})
    assert alert.title == "written long ago"


def _major_hazard(session, s: str):
    return raise_alert(session, key="mh", kind=AlertKind.MAJOR_HAZARD, severity=Severity.HIGH, subject="东港储罐区",
                       started_at=utcnow(), details={"grade": "三级", "s": s, "r": "12.0"})[0]


def test_the_title_follows_the_current_details_in_the_readers_language(client, session) -> None:
    alert = _major_hazard(session, "5.02")
    alert.details = {**alert.details, "s": "5.006"}  # the figures as they are now, title column untouched
    session.commit()
    token = make_user(session, Role.SUPERVISOR)[1]
    english = client.get(f"/api/v1/alerts/{alert.id}", headers=auth(token)).get_json()
    assert english["title"] == "东港储罐区: a grade 3 major hazard source (S = 5.006, R = 12.0)"
    assert english["subject"] == "东港储罐区"
    chinese = client.get(f"/api/v1/alerts/{alert.id}", headers={**auth(token), "Accept-Language": "zh-CN"}).get_json()
    assert chinese["title"] == "东港储罐区：三级重大危险源（S = 5.006，R = 12.0）"


def test_the_stored_title_is_made_again_when_a_check_updates_the_details(session) -> None:
    first = _major_hazard(session, "5.02")
    again = _major_hazard(session, "5.006")
    assert again is first and "S = 5.006" in first.title


def test_migration_0028_gives_existing_alerts_their_subject(fresh_database_url) -> None:
    cfg = migrate.alembic_config(fresh_database_url)
    command.downgrade(cfg, "0026")
    engine = make_engine(fresh_database_url)
    alerts = sa.table("alerts", *(sa.column(name, kind) for name, kind in (
        ("id", sa.Uuid), ("key", sa.String), ("kind", sa.String), ("severity", sa.String), ("state", sa.String),
        ("title", sa.String), ("started_at", sa.DateTime), ("last_seen_at", sa.DateTime), ("details", sa.JSON),
        ("opened_at", sa.DateTime), ("updated_at", sa.DateTime))))
    at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    rows = {
        "trip": ("deviation", "苏B12345 (YD1): off the corridor, up to 412 m", {"max_offset_m": 412}),
        "unit": ("major_hazard", "东港 / 1号罐区: 液氯 3 t, 未登记设计最大量", {"problem": "no_design_maximum"}),
        "manifest": ("waste_transfer", "转移联单 M1: 接受人拒绝接收", {"manifest": "M1", "problem": "refused"}),
        "store": ("waste_overdue", "危险废物贮存超期: W1 (HW08 900-249-08) 1 kg 在 西区仓库, 2025-01-01 产生, 超过 365 天", {}),
        "odd": ("stop", "no colon here", {}),
    }
    with engine.begin() as connection:
        for key, (kind, title, details) in rows.items():
            connection.execute(alerts.insert().values(
                id=uuid.uuid4(), key=key, kind=kind, severity="low", state="open", title=title, started_at=at,
                last_seen_at=at, details=details, opened_at=at, updated_at=at))
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = make_engine(fresh_database_url)
    with engine.connect() as connection:
        subjects = dict(connection.execute(text("SELECT key, subject FROM alerts")).all())
    engine.dispose()
    assert subjects == {"trip": "苏B12345 (YD1)", "unit": "东港", "manifest": "M1", "store": "西区仓库", "odd": None}
