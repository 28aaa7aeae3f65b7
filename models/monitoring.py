"""Live monitoring state of a trip: where the incremental checks left off.

One row per waybill that has been checked (or swept) while in transit. It holds what the next batch of fixes
needs to continue every check without re-reading the trip: the newest fix checked (time and position), the
fixes of the last half minute (a speed baseline), and the open run of each check (its start, extent so far and
counters, in ``runs``). Fixes themselves live in ``gps_fixes``; episodes that are worth an alert live in
``alerts``.

Several worker processes may receive batches for the same trip. Each check takes this row with
``SELECT … FOR UPDATE`` (PostgreSQL; SQLite serialises writers anyway) and keeps it until its transaction
commits, so batches of one trip are checked one after the other; ``row_version`` is the mapper's optimistic
version counter as a second guard: an update from a stale copy fails instead of overwriting a newer state.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import CreatedAt


class TripState(Base):
    __tablename__ = "trip_states"

    waybill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waybills.id"), primary_key=True)
    last_at: Mapped[dt.datetime | None] = mapped_column(comment="newest fix checked; older ones are not live-checked")
    last_lon: Mapped[float | None] = mapped_column(comment="its position, WGS-84")
    last_lat: Mapped[float | None]
    fixes_checked: Mapped[int] = mapped_column(default=0)
    skipped_fixes: Mapped[int] = mapped_column(
        default=0, comment="not newer than last_at when they came (late or resent): stored, not live-checked")
    recent: Mapped[list[list[float]]] = mapped_column(
        JSON, default=list, comment="[epoch µs, lon, lat, km/h or null] of the last fixes: speed baseline")
    runs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, comment="open run of each check, by name")
    row_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[CreatedAt]

    __mapper_args__ = {"version_id_col": row_version}
