"""Migration 0023 gives the seed list's chemicals already in a database the label models their documents need."""
from __future__ import annotations

import uuid

from alembic import command
import sqlalchemy as sa
from sqlalchemy import text

from app import migrate
from models.engine import make_engine


def test_seeded_chemicals_get_their_labels(fresh_database_url):
    cfg = migrate.alembic_config(fresh_database_url)
    command.downgrade(cfg, "0019")
    engine = make_engine(fresh_database_url)
    chemicals = sa.table("chemicals", *(sa.column(name, kind) for name, kind in (
        ("id", sa.Uuid), ("un_number", sa.String), ("name_en", sa.String), ("hazard_class", sa.String),
        ("cas_numbers", sa.JSON), ("highly_toxic", sa.Boolean), ("explosive_precursor", sa.Boolean),
        ("key_supervised", sa.Boolean), ("control_level", sa.String), ("source", sa.String),
        ("source_ref", sa.String), ("active", sa.Boolean))))
    with engine.begin() as connection:
        for source in ("cn_seed", "mine"):
            connection.execute(chemicals.insert().values(
                id=uuid.uuid4(), un_number="1017", name_en="CHLORINE", hazard_class="2", cas_numbers=[],
                highly_toxic=False, explosive_precursor=False, key_supervised=True, control_level="none",
                source=source, source_ref="1017", active=True))
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = make_engine(fresh_database_url)
    with engine.connect() as connection:
        labels = dict(connection.execute(text("SELECT source, labels FROM chemicals")).all())
    engine.dispose()
    assert labels == {"cn_seed": "2.3+5.1+8", "mine": None}
