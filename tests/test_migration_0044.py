"""Migration 0044 gives the warnings kept with waybill versions their templates and values, read back from their
English; a warning it cannot read keeps its English and is shown as written. Down and up again loses nothing."""
from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.services.waybills.kept_warnings import warning_message
from models.engine import make_engine
from models.waybills import Waybill, WaybillVersion
from tests.factories import make_enterprise, make_user

#: As revision 0039 stored them: field and English message only.
OLD = [
    {"field": "lines.0.batch_id", "message": "highly toxic (剧毒): departs only with public security's road transport "
                                             "pass (通行证)"},
    {"field": "lines.0.batch_id", "message": "restricted chemical (限制): the consignee's end use is subject to review"},
    {"field": "vehicle_id", "message": "also planned on waybill YD20261206-0007 in an overlapping window"},
    {"field": "driver_id", "message": "a warning no check writes any more"},
]


def _warnings(url: str, version_id: uuid.UUID) -> list[dict]:
    engine = make_engine(url)
    with Session(engine) as session:
        warnings = session.scalar(select(WaybillVersion.warnings).where(WaybillVersion.id == version_id))
    engine.dispose()
    return warnings


def test_kept_warnings_get_their_templates(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        shipper, consignee, carrier = (make_enterprise(session) for _ in range(3))
        user, _token = make_user(session)
        waybill = Waybill(number="YD20261206-0001", shipper_id=shipper.id, consignee_id=consignee.id,
                          carrier_id=carrier.id, created_by=user.id)
        session.add(waybill)
        session.flush()
        version = WaybillVersion(waybill_id=waybill.id, version=1, warnings=OLD)
        session.add(version)
        session.commit()
        version_id = version.id
    engine.dispose()
    cfg = migrate.alembic_config(fresh_database_url)
    command.downgrade(cfg, "0039")
    assert _warnings(fresh_database_url, version_id) == OLD
    command.upgrade(cfg, "head")
    warnings = _warnings(fresh_database_url, version_id)
    assert [w["message"] for w in warnings] == [w["message"] for w in OLD]  # the English stays beside
    assert warnings[0]["template"] == ("highly toxic ({term}): departs only with public security's road transport "
                                       "pass ({pass_name})")
    assert warnings[0]["values"] == {"term": "剧毒", "pass_name": "通行证"}
    assert warnings[2]["values"] == {"number": "YD20261206-0007"}
    assert "template" not in warnings[3]
    assert [str(warning_message(w)) for w in warnings] == [w["message"] for w in OLD]  # the same English
    command.downgrade(cfg, "0039")
    assert _warnings(fresh_database_url, version_id) == OLD
    command.upgrade(cfg, "head")
    assert _warnings(fresh_database_url, version_id) == warnings
