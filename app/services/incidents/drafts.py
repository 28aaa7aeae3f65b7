"""Incident drafts from what the vehicles report, for a supervisor to confirm or dismiss.

Two events start a draft at the vehicle's position, with its waybill and cargo:

- ``terminal_alarm``: the terminal's emergency alarm (JT/T 808-2013 Table 24, alarm bit 0: the driver pressed
  the emergency button) raised in a new report; the key is the alarm's episode (the ``terminal_alarm`` alert's),
  so a repeated frame with the flag still set, or the same frame received twice, makes no second draft.
- ``long_stop``: a vehicle in transit stopped (under 5 km/h) for :func:`long_stop_minutes` outside its corridor
  and away from every permitted place (its parties' sites, see :mod:`app.services.monitoring.checks`); the key is
  the stop's first fix, so the same stop seen by later batches makes no second draft. A trip without a corridor
  has no "off the corridor", and makes no long-stop draft. The threshold is a platform setting
  (``INCIDENT_LONG_STOP_MINUTES``, default 15): JT/T 808 lets the platform set a terminal's longest parking time
  (parameter 0x005A) but neither it nor the transport rules fix a figure (app/data/README.md).

A draft does not know what is happening, so its zones are the ERG's cautious reading, a large spill by night,
until the supervisor confirming it says what is happening (:func:`app.services.incidents.service.move`). Only
confirming closes the zones to traffic and tells the departments; dismissing closes it.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import DEFAULTS
from app.errors import ValidationFailed
from app.services.incidents.traffic import last_fix
from app.services.incidents.zones import Good, compute, goods_of, tank_capacity_l
from models import Waybill
from models.incidents import Incident, IncidentState, SpillKind

TERMINAL_ALARM, LONG_STOP = "terminal_alarm", "long_stop"
_log = logging.getLogger(__name__)


def long_stop_minutes() -> float:
    """How long a vehicle in transit stands off its corridor before a draft is made (``INCIDENT_LONG_STOP_MINUTES``)."""
    config = current_app.config if has_app_context() else DEFAULTS
    return float(config["INCIDENT_LONG_STOP_MINUTES"])


def draft(session: Session, *, source: str, key: str, waybill_id: uuid.UUID | None, carrier_id: uuid.UUID | None,
          lon: float, lat: float, at: dt.datetime) -> Incident | None:
    """Make the draft of the event *key* unless it exists; the new draft, or ``None``. The caller commits."""
    if session.scalar(select(Incident.id).where(Incident.source_key == key)) is not None:
        return None
    waybill = session.get(Waybill, waybill_id) if waybill_id else None
    goods = goods_of(session, waybill) if waybill is not None else []
    incident = Incident(
        state=IncidentState.DRAFT, source=source, source_key=key, waybill_id=waybill_id, carrier_id=carrier_id,
        spill=SpillKind.LEAK_LARGE, lon=lon, lat=lat, location_source="last_fix", night=True,
        un_number=goods[0].un_number if goods else None, material=goods[0].material if goods else None,
        hazard_class=goods[0].hazard_class if goods else None,
        capacity_l=tank_capacity_l(waybill) if waybill is not None else None, reported_by=None,
        created_at=at, updated_at=at)
    for cargo in (goods, [Good(None, None, None)]):  # a cargo the ERG lookup cannot read: an unidentified load
        try:
            incident.zones = compute(incident, cargo)
            break
        except ValidationFailed as error:
            problem = error
    else:  # no ERG table at all: the feed goes on, the event's alert stands alone
        _log.warning("no incident draft for %s: %s", key, problem)
        return None
    try:
        with session.begin_nested():  # another process made the same draft first: keep theirs
            session.add(incident)
    except IntegrityError:
        return None
    return incident


def from_alarm(session: Session, *, key: str, waybill_id: uuid.UUID | None, carrier_id: uuid.UUID,
               position: tuple[float, float] | None, at: dt.datetime) -> Incident | None:
    """The draft of an emergency alarm (*key*: its alert's), at *position* (the alarm's fix), else the vehicle's
    last fix; none when the vehicle was never placed (its alert stands alone). The caller commits."""
    if position is None and waybill_id is not None:
        position = last_fix(session, waybill_id)
    if position is None:
        return None
    return draft(session, source=TERMINAL_ALARM, key=key, waybill_id=waybill_id, carrier_id=carrier_id,
                 lon=position[0], lat=position[1], at=at)


def from_long_stop(session: Session, *, waybill_id: uuid.UUID, carrier_id: uuid.UUID, lon: float, lat: float,
                   started_at: dt.datetime, at: dt.datetime) -> Incident | None:
    """The draft of a long stop off the corridor that began at *started_at* at (*lon*, *lat*). The caller commits."""
    return draft(session, source=LONG_STOP, key=f"{LONG_STOP}:{waybill_id}:{started_at.isoformat()}",
                 waybill_id=waybill_id, carrier_id=carrier_id, lon=lon, lat=lat, at=at)
