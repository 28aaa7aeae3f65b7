"""Waste stored at its generator past the allowed period raises one alert per holding, and ends with it."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cli import cli
from app.services.alert_policy import settle
from app.services.ledger import lifecycle
from app.services.waste.codes import Declaration
from app.services.waste.storage import sweep
from models import Alert, AlertEvent, AlertKind, Batch, EntryKind, PermitKind, Severity
from models.engine import make_engine
from models.types import utcnow
from tests.app.ledger.conftest import build_world, grant_permits
from tests.factories import make_site


def overdue_alerts(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.kind == AlertKind.WASTE_OVERDUE).order_by(Alert.key)))


def events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AlertEvent))


def test_overdue_waste_raises_one_alert_per_holding_debounced_and_ends(waste_world, session):
    world = waste_world
    assert world.generate("OLD-1", "2000", days_ago=400).status_code == 201
    assert world.generate("NEW-1", "100", days_ago=10).status_code == 201
    old = session.scalars(select(Batch).where(Batch.code == "OLD-1")).one()
    [alert] = overdue_alerts(session)  # raised by the posting itself; the fresh batch is in time
    assert alert.key == f"waste_overdue:{old.id}:{world.trip.loading.id}" and alert.severity is Severity.HIGH
    assert alert.enterprise_id == world.trip.shipper.id and alert.batch_id == old.id
    assert alert.details["kg"] == "2000.000" and alert.details["code"] == "900-404-06"
    assert abs(alert.started_at - (utcnow() - dt.timedelta(days=35))) < dt.timedelta(minutes=5)

    before = events(session)
    assert sweep(session).changes == [] and sweep(session).overdue == 1  # the same evidence: nothing new
    session.flush()
    assert events(session) == before and len(overdue_alerts(session)) == 1

    store = make_site(session, world.trip.shipper, name="危废暂存间")
    session.commit()

    def move(kg: str):
        response = world.call("post", "movements", json={
            "kind": "transfer", "batch": "OLD-1", "from_site_id": str(world.trip.loading.id),
            "to_site_id": str(store.id), "quantity": kg, "occurred_at": utcnow().isoformat()})
        assert response.status_code == 201, response.get_json()

    move("500")
    session.expire_all()  # the request's session changed them
    at_plant, at_store = sorted(overdue_alerts(session), key=lambda a: a.site_id != world.trip.loading.id)
    assert at_plant.details["kg"] == "1500.000" and at_store.details["kg"] == "500.000"
    move("1500")
    session.expire_all()
    at_plant = session.get(Alert, at_plant.id)
    assert at_plant.ended_at is not None and at_plant.details["kg"] == "0"
    assert session.get(Alert, at_store.id).details["kg"] == "2000.000"


def test_waste_sweep_command(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
        lifecycle.introduce(session, world.as_producer, kind=EntryKind.GENERATE_WASTE, code="W-90",
                            chemical_id=world.chemical.id, site_id=world.plant.id, quantity=Decimal("120"),
                            occurred_at=utcnow() - dt.timedelta(days=90), waste=Declaration("900-041-49", ("T",)))
        assert overdue_alerts(session) == []  # 90 days is within the default year
    engine.dispose()
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(cli, ["--database-url", fresh_database_url, "waste", "sweep", *args],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    first = run("--max-days", "30")
    assert "1 holding(s); 1 alert change(s)" in first
    assert "opened: Hazardous waste stored too long: W-90 (HW49 900-041-49)" in first
    assert "1 holding(s); 0 alert change(s)" in run("--max-days", "30")
    report = json.loads(run("--max-days", "30", "--format", "json"))
    assert report == {"max_days": 30, "overdue": 1, "receipts_overdue": 0, "changes": []}
    assert "0 holding(s)" in run()


def test_overdue_waste_that_is_disposed_of_resolves_its_alert(waste_world, session):
    """Issue 25: the alert followed the waste out of storage; the system closes it, saying why."""
    world = waste_world
    assert world.generate("OLD-1", "2000", days_ago=400).status_code == 201
    [alert] = overdue_alerts(session)
    grant_permits(session, world.trip.shipper, PermitKind.HAZARDOUS_WASTE)
    session.commit()
    disposed = world.call("post", "movements", json={
        "kind": "dispose", "batch": "OLD-1", "site_id": str(world.trip.loading.id), "quantity": "2000",
        "occurred_at": utcnow().isoformat()})
    assert disposed.status_code == 201, disposed.get_json()
    session.expire_all()
    alert = session.get(Alert, alert.id)
    assert (alert.state, alert.resolved_by, alert.closed_by) == ("closed", "system", None)
    assert "no longer stored" in alert.resolution and alert.ended_at is not None
    changes = session.scalars(select(AlertEvent.change).where(AlertEvent.alert_id == alert.id)
                              .order_by(AlertEvent.id)).all()
    assert changes[-1] == "resolved"


def test_the_sweep_settles_an_ended_waste_alert_left_open(session, waste_world):
    world = waste_world
    assert world.generate("OLD-1", "2000", days_ago=400).status_code == 201
    [alert] = overdue_alerts(session)
    alert.ended_at = utcnow()  # ended before the policy existed, and left open
    session.commit()
    assert [a.id for a in settle(session)] == [alert.id]
    assert alert.state == "closed" and alert.resolved_by == "system"
