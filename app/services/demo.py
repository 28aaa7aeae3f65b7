"""The demo scenario: a few Wuxi firms, the seed catalogue and one user per role.

Every demo user signs in to the web pages with :data:`DEMO_PASSWORD` (documented in the README: a demo is
not a deployment). Loading it twice changes nothing but tokens."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data import SEED_CATALOGUE, SEED_SOURCE
from app.services import unit_of_work
from app.services.catalogue_import import import_catalogue
from app.services.users import create_user, issue_token, set_password
from app.config import PROJECT_ROOT
from app.services.corridors import import_geojson
from app.services.demo_scenario import FIRST_BATCH, Cast, play_story
from app.services.demo_track import drive_tanker
from models import Batch, Corridor, Department, Enterprise, Role, User, Waybill

#: Fictional firms with valid GB 32100 codes, in real Wuxi districts (adcodes from GB/T 2260).
ENTERPRISES: tuple[dict[str, Any], ...] = (
    {"name": "无锡锡山精细化工有限公司", "uscc": "91320205MA1XY2KC0M", "roles": ["producer", "storage"],
     "address": "无锡市锡山区东港镇化工园区", "district_adcode": "320205"},
    {"name": "无锡新吴新材料股份有限公司", "uscc": "91320214MA1Q8T3E5K", "roles": ["user", "trader"],
     "address": "无锡市新吴区新华路", "district_adcode": "320214"},
    {"name": "江阴长江危险品运输有限公司", "uscc": "91320281MA20HL7N1R", "roles": ["carrier"],
     "address": "江阴市临港街道", "district_adcode": "320281"},
    {"name": "无锡滨湖固废处置有限公司", "uscc": "91320211MA1WD4RT7R", "roles": ["waste_disposer"],
     "address": "无锡市滨湖区胡埭镇", "district_adcode": "320211"},
)

#: (token key in the contract's JSON, user name, role, department, USCC of the enterprise)
USERS: tuple[tuple[str, str, Role, Department | None, str | None], ...] = (
    ("admin", "demo-admin", Role.ADMIN, None, None),
    ("supervisor", "demo-supervisor", Role.SUPERVISOR, Department.TRANSPORT, None),
    ("auditor", "demo-auditor", Role.AUDITOR, None, None),
    ("shipper", "demo-shipper", Role.ENTERPRISE, None, "91320205MA1XY2KC0M"),
    ("carrier", "demo-carrier", Role.ENTERPRISE, None, "91320281MA20HL7N1R"),
    ("consignee", "demo-consignee", Role.ENTERPRISE, None, "91320214MA1Q8T3E5K"),
    ("disposer", "demo-disposer", Role.ENTERPRISE, None, "91320211MA1WD4RT7R"),
    ("police", "demo-police", Role.SUPERVISOR, Department.PUBLIC_SECURITY, None),
)
FIRM_KEYS = {"shipper": "91320205MA1XY2KC0M", "consignee": "91320214MA1Q8T3E5K",
             "carrier": "91320281MA20HL7N1R", "disposer": "91320211MA1WD4RT7R"}
DEMO_CORRIDOR = PROJECT_ROOT / "geodata" / "demo_corridor_shanghai.geojson"
CORRIDOR_NAME = "演示通道 (上海)"
DEMO_PASSWORD = "hazledger-demo"


def load_demo(session: Session, *, ttl_days: int | None, drive: bool = True) -> dict[str, Any]:
    """Load what is missing of the scenario and issue a fresh token per demo user; without *drive*, the tanker
    reports nothing (its terminal does, through the JT/T 808 gateway: docs/gateway.md)."""
    import_catalogue(session, SEED_CATALOGUE.read_text(encoding="utf-8"), SEED_SOURCE)
    with unit_of_work(session):
        known = set(session.scalars(select(Enterprise.uscc)))
        session.add_all(Enterprise(**e) for e in ENTERPRISES if e["uscc"] not in known)
    by_uscc = {e.uscc: e for e in session.scalars(select(Enterprise))}
    tokens: dict[str, str] = {}
    users: dict[str, User] = {}
    for key, name, role, department, uscc in USERS:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            user = create_user(session, name, role, department=department,
                               enterprise_id=by_uscc[uscc].id if uscc else None)
        if user.password_hash is None:
            set_password(session, user, DEMO_PASSWORD)
        users[key] = user
        tokens[key] = issue_token(session, user, ttl_days=ttl_days)
    _load_corridor(session)
    if session.scalar(select(Batch.id).where(Batch.code == FIRST_BATCH)) is None:
        story = play_story(session, Cast({k: by_uscc[u] for k, u in FIRM_KEYS.items()}, users))
        if drive:
            drive_tanker(session, users["carrier"])
    else:
        story = _told(session)
    return {"tokens": tokens, **story}


def _load_corridor(session: Session) -> None:
    """The demo corridor and its zones on the real Shanghai network (geodata/), once."""
    if session.scalar(select(Corridor.id).where(Corridor.name == CORRIDOR_NAME)) is not None:
        return
    features = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
    zones = [f for f in features if f["properties"].get("role") == "forbidden"]
    parts = [f for f in features if f not in zones]
    import_geojson(session, {"name": CORRIDOR_NAME, "hazard_classes": ["2", "3", "6.1", "8"],
                             "geojson": {"type": "FeatureCollection", "features": parts}},
                   [{"geometry": f["geometry"], "name": f["properties"]["name"], "rule": f["properties"]["rule"]}
                    for f in zones])


def _told(session: Session) -> dict[str, list[str]]:
    """What an earlier load posted: the demo firms' batches and the waybills they shipped."""
    firms = select(Enterprise.id).where(Enterprise.uscc.in_(FIRM_KEYS.values()))
    batches = session.scalars(select(Batch.code).where(Batch.producer_id.in_(firms))
                              .order_by(Batch.produced_at, Batch.code))
    trips = session.scalars(select(Waybill.id).where(Waybill.shipper_id.in_(firms)).order_by(Waybill.created_at))
    return {"batches": list(batches), "waybills": [str(w) for w in trips]}
