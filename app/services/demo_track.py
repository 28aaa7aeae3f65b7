"""The demo tanker's GPS: the detour track of ``geodata/``, moved to the trip's first minutes and posted through
the same ingestion (and live checks) as a terminal's uploads, so the demo opens with live alerts."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import PROJECT_ROOT
from app.services import tracking
from models import User, Waybill, WaybillStatus
from routing._lazy import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

DEMO_TRACK = PROJECT_ROOT / "geodata" / "demo_track_detour.csv"
#: A terminal reporting every 5 s that uploads every 100 s.
FIXES_PER_UPLOAD = 20


def drive_tanker(session: Session, carrier: User) -> None:
    """Post the detour for the *carrier*'s trip in transit on a corridor, starting a few seconds after departure.

    The track lasts 13.5 minutes and the tanker left 30 minutes ago: it has been silent since, which the
    sweep of a running server reports as a signal gap.
    """
    waybill = session.scalars(select(Waybill).where(
        Waybill.carrier_id == carrier.enterprise_id, Waybill.status == WaybillStatus.IN_TRANSIT,
        Waybill.corridor_id.is_not(None))).first()
    if waybill is None or waybill.departed_at is None:
        return
    frame = pd.read_csv(DEMO_TRACK)
    times = pd.to_datetime(frame["time"], utc=True)
    frame["time"] = (times - times.min() + (waybill.departed_at + dt.timedelta(seconds=10))).map(pd.Timestamp.isoformat)
    for start in range(0, len(frame), FIXES_PER_UPLOAD):
        tracking.ingest(session, carrier, waybill.id, frame.iloc[start:start + FIXES_PER_UPLOAD])
