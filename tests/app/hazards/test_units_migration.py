"""Migration 0024 gives every existing site its default unit; its stock stays where it is."""
from __future__ import annotations

from decimal import Decimal

from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.services.hazards.major_hazard import assess
from app.services.ledger import lifecycle
from models import EntryKind, Site, SiteKind, SiteUnit, UnitKind
from models.engine import make_engine
from tests.app.ledger.conftest import an_hour_ago, build_world
from tests.factories import make_site


def test_existing_sites_get_their_default_unit(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        world = build_world(session)
        store = make_site(session, world.producer, kind=SiteKind.WAREHOUSE)
        lifecycle.introduce(session, world.as_producer, kind=EntryKind.PRODUCE, code="M-1",
                            chemical_id=world.chemical.id, site_id=world.plant.id, quantity=Decimal(5),
                            occurred_at=an_hour_ago())
        session.commit()
        plant_id, store_id, actor = world.plant.id, store.id, world.as_producer
    cfg = migrate.alembic_config(fresh_database_url)
    command.downgrade(cfg, "0019")
    command.upgrade(cfg, "head")
    with Session(engine) as session:
        units = {u.site_id: u for u in session.scalars(select(SiteUnit))}
        assert (units[plant_id].kind, units[plant_id].is_default) == (UnitKind.PRODUCTION, True)
        assert (units[store_id].kind, units[store_id].name) == (UnitKind.STORAGE, "默认单元")
        lifecycle.retire(session, actor, kind=EntryKind.CONSUME, batch_code="M-1", site_id=plant_id,
                         quantity=Decimal(5), unit_id=units[plant_id].id, occurred_at=an_hour_ago())
        session.commit()
        plant = session.get(Site, plant_id)
        assert [u.assessment.name for u in assess(session, [plant])[plant_id].units] == ["默认单元"]
    engine.dispose()
