"""A carrier platform's feed: fixes of many vehicles in one request (``POST /api/v1/track``).

Chinese fleets report through monitoring platforms: each vehicle's JT/T 808 terminal reports to its carrier's
platform, which forwards to the regulator (JT/T 809), so one connection carries many vehicles. Here each fix
names its ``waybill`` (id) or its GPS ``terminal`` (the terminal of a vehicle on a waybill in transit); the
batch is then split into one track per waybill and goes down the per-waybill path
(:func:`app.services.tracking.store_and_check`): each vehicle's fixes are validated, stored (all in one INSERT)
and checked against its own trip exactly as if they had come in a request of their own.

Who may report what is the per-waybill rule: the carrier of the waybill (or an administrator). A waybill that
does not exist, that the user cannot see, or that another carrier carries is *unknown*, all alike, so a feed
never learns whether someone else's waybill exists.

Semantics of a batch in which some vehicles cannot report (the system's rule, "bad input writes nothing"): the
whole batch is refused and nothing is stored, with every offending waybill or terminal named in ``errors``
(the path of its first fix): 422 ``unknown_waybill`` when a fix names an unknown waybill or terminal, or
names none; else 409 ``not_in_transit`` when a waybill is not in transit (arrived meanwhile, say), its
vehicle has no terminal, or a terminal is on no waybill in transit (or on two). The platform drops those
vehicles' fixes and sends the rest again; what was stored before is recognised by its key (terminal, time),
so a resent batch never duplicates. Per-waybill partial acceptance was weighed and refused: a 200 that stored
only part of a batch is easy to misread as "all kept", and the platform has to act on the refusal either way.
Bad rows (an unreadable time, a coordinate out of range) are not references: as on the per-waybill path they
are dropped and reported, and the rest is stored; only a batch with no usable fix at all is refused (422).
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app.errors import Conflict, ValidationFailed
from app.i18n import Text
from app.services.monitoring import TripRef
from app.services.tracking import ReportingRow, reporting_rows, store_and_check
from models import Role, User, Vehicle, Waybill, WaybillStatus
from models.identifiers import uuid_or_none
from routing import RoutingInputError
from routing._lazy import lazy
from routing.tracks import tracks_from_frame

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

_REPORTED_ROWS = 10


class UnknownVehicle(ValidationFailed):
    code = "unknown_waybill"


def ingest_feed(session: Session, user: User, frame: pd.DataFrame) -> dict[str, Any]:
    """Store and check the fixes of several vehicles; report the totals and each waybill's own report.

    Parameters
    ----------
    session : Session
    user : User
        The carrier's user (its platform's token) or an administrator.
    frame : pandas.DataFrame
        One row per fix: ``time``, ``lon``, ``lat``, optional ``speed``, and ``waybill`` or ``terminal`` (a row
        with both is the waybill's, and the terminal must be its vehicle's).

    Returns
    -------
    dict
        ``received``, ``stored``, ``duplicates``, ``dropped`` over the batch (rows numbered in the request), and
        ``waybills``: one such report per waybill with its ``waybill`` id and ``terminal``.
    """
    names, row_key, terminal = _keys(frame)
    refs, group = _resolve(session, user, names, row_key)
    _check_terminals(refs, group, terminal)
    try:
        tracks = tracks_from_frame(frame, group, len(refs), source="fixes")
    except RoutingInputError as error:
        raise ValidationFailed("No usable fix.", errors={"fixes": [str(error)]}) from None
    if not any(len(track) for track in tracks):
        dropped = _merged([t.dropped for t in tracks])
        raise ValidationFailed("No usable fix.", errors={"fixes": [
            "no valid fix: " + "; ".join(f"{d['reason']} ×{d['count']}" for d in dropped)]})
    reports = store_and_check(session, [(ref, terminal, track) for (ref, terminal), track in zip(refs, tracks)])
    return {"received": len(frame), "stored": sum(r["stored"] for r in reports),
            "duplicates": sum(r["duplicates"] for r in reports),
            "dropped": _merged([r["dropped"] for r in reports]),
            "waybills": [{"waybill": str(ref.waybill.id), "terminal": terminal, **report}
                         for (ref, terminal), report in zip(refs, reports)]}


def _keys(frame: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each row's vehicle as a key (``w:<waybill>`` or ``t:<terminal>``, "" for none): the distinct keys, each
    row's, and each row's terminal as given ("" for none). The distinct (waybill, terminal) pairs are judged
    one by one, never the rows."""
    def column(name: str) -> npt.NDArray[np.str_]:
        if name not in frame:
            return np.full(len(frame), "")
        values = frame[name].to_numpy(dtype=object)
        return np.where(pd.isna(values), "", values).astype(str)

    pairs, pair_of_row = np.unique(np.char.add(np.char.add(column("waybill"), "\n"), column("terminal")),
                                   return_inverse=True)
    split = [pair.split("\n", 1) for pair in pairs.tolist()]
    keys = [f"w:{w.strip().lower()}" if w.strip() else (f"t:{t.strip()}" if t.strip() else "") for w, t in split]
    names, key_of_pair = np.unique(np.array(keys, dtype=str), return_inverse=True)
    key_of_row = key_of_pair[pair_of_row]
    _, first = np.unique(key_of_row, return_index=True)
    order = np.argsort(first)  # the vehicles in the order the request first names them
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    terminal_of_pair = np.array([t.strip() for _, t in split], dtype=object)
    return names[order].tolist(), rank[key_of_row], terminal_of_pair[pair_of_row]


def _check_terminals(refs: list[tuple[TripRef, str]], group: np.ndarray, terminal: np.ndarray) -> None:
    """A fix that names its waybill and a terminal must name the waybill's vehicle's terminal."""
    expected = np.array([t for _, t in refs], dtype=object)[group]
    wrong = np.flatnonzero((terminal != "") & (terminal != expected))
    if len(wrong):
        first = pd.Series(wrong).groupby(group[wrong]).min()
        raise UnknownVehicle("A fix names a terminal that is not its waybill's vehicle's: nothing was stored.",
                             errors={f"fixes.{row + 1}.terminal": [Text(
                                 "not the terminal of waybill {number}'s vehicle", number=refs[g][0].waybill.number)]
                                 for g, row in first.items()})


def _feed_query(by_terminal: bool, carrier: bool) -> Select[ReportingRow]:
    """The :func:`~app.services.tracking.reporting_rows` of the waybills named by id (``ids``), or with
    *by_terminal* of those in transit on a vehicle with one of the ``terminals``; with *carrier*, only those
    ``carrier_id`` carries. (Two statements, not one with an OR across the tables, which no index serves: by id
    it reads the waybills named, by terminal those in transit.)"""
    query = reporting_rows().order_by(Waybill.id)
    if by_terminal:
        query = query.where(Waybill.status == WaybillStatus.IN_TRANSIT,
                            Vehicle.gps_terminal_id.in_(bindparam("terminals", expanding=True)))
    else:
        query = query.where(Waybill.id.in_(bindparam("ids", expanding=True)))
    return query.where(Waybill.carrier_id == bindparam("carrier_id")) if carrier else query


#: Built once, by id and by terminal, for a carrier's user and for an administrator: every feed runs one or two.
_FEED = {(by_terminal, carrier): _feed_query(by_terminal, carrier) for by_terminal in (False, True)
         for carrier in (False, True)}


def _resolve(session: Session, user: User, names: list[str],
             row_key: np.ndarray) -> tuple[list[tuple[TripRef, str]], np.ndarray]:
    """The waybills the keys name, in one query, and each row's index among them; refuse the batch (writing
    nothing) when a key names no waybill the user may report for (see the module's note)."""
    ids = {name: uuid_or_none(name[2:]) for name in names if name.startswith("w:")}
    terminals = [name[2:] for name in names if name.startswith("t:")]
    carrier = user.role is Role.ENTERPRISE  # only the carrier reports: any other waybill is unknown, all alike
    found = []
    for by_terminal, values in ((False, {"ids": list({i for i in ids.values() if i})}),
                                (True, {"terminals": terminals})):
        if any(values.values()):
            found += session.execute(_FEED[by_terminal, carrier], {**values, "carrier_id": user.enterprise_id}).all()
    found = list({row[0].id: row for row in found}.values())  # a waybill named both ways comes once
    by_id = {row[0].id: row for row in found}
    by_terminal: dict[str, list[Any]] = {}
    for row in found:
        if row[0].status is WaybillStatus.IN_TRANSIT and row[2] is not None:
            by_terminal.setdefault(row[2], []).append(row)
    _, first_row = np.unique(row_key, return_index=True)
    unknown: dict[str, list[str]] = {}
    refused: dict[str, list[str]] = {}
    chosen = []
    for n, name in enumerate(names):  # one pass per vehicle named
        row, problem = _judge(session, user, name, ids.get(name), by_id, by_terminal)
        if problem is None:
            chosen.append(row)
        else:
            field, message, is_unknown = problem
            (unknown if is_unknown else refused)[f"fixes.{first_row[n] + 1}{field}"] = [message]
    _refuse(unknown, refused)
    waybills: dict[uuid.UUID, int] = {}
    refs: list[tuple[TripRef, str]] = []
    for row in chosen:
        if row[0].id not in waybills:
            waybills[row[0].id] = len(refs)
            refs.append((TripRef(row[0], row[1], row[3]), row[2]))
    which = np.array([waybills[row[0].id] for row in chosen], dtype=np.intp)
    return refs, which[row_key]


def _judge(session: Session, user: User, name: str, waybill_id: uuid.UUID | None, by_id: dict[uuid.UUID, Any],
           by_terminal: dict[str, list[Any]]) -> tuple[Any, tuple[str, str, bool] | None]:
    """The waybill row a key names, or why not: (field path suffix, message, whether it is unknown)."""
    if name == "":
        return None, ("", "each fix must name its waybill or its terminal", True)
    value = name[2:]
    if name.startswith("w:"):
        row = by_id.get(waybill_id) if waybill_id else None
        if row is None:
            return None, (".waybill", f"no waybill {value} that you carry", True)
        if row[0].status is not WaybillStatus.IN_TRANSIT:
            return None, (".waybill", f"waybill {row[0].number} is '{row[0].status}', not in transit", False)
        if row[2] is None:
            return None, (".waybill", f"waybill {row[0].number}'s vehicle has no GPS terminal", False)
        return row, None
    rows = by_terminal.get(value, [])
    if len(rows) == 1:
        return rows[0], None
    if rows:
        return None, (".terminal", f"terminal {value} is on {len(rows)} waybills in transit: name the waybill", False)
    if _carries_terminal(session, user, value):
        return None, (".terminal", f"terminal {value} is on no waybill in transit", False)
    return None, (".terminal", f"no vehicle with terminal {value} that you run", True)


def _carries_terminal(session: Session, user: User, terminal: str) -> bool:
    """Whether the terminal is on a vehicle of the user's enterprise (any, for an administrator): asked only on
    the way to refusing a batch."""
    query = select(Vehicle.id).where(Vehicle.gps_terminal_id == terminal)
    if user.role is Role.ENTERPRISE:
        query = query.where(Vehicle.carrier_id == user.enterprise_id)
    return session.scalar(query.limit(1)) is not None


def _refuse(unknown: dict[str, list[str]], refused: dict[str, list[str]]) -> None:
    if unknown:
        raise UnknownVehicle(f"{len(unknown)} vehicle(s) of the batch are unknown: nothing was stored.",
                             errors={**unknown, **refused})
    if refused:
        raise Conflict(Text("{value} vehicle(s) of the batch cannot report now: nothing was stored.",
                            value=len(refused)),
                       errors=refused, code="not_in_transit")


def _merged(reports: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Several ``dropped`` lists as one: counts added per reason, the first row numbers of each."""
    merged: dict[str, dict[str, Any]] = {}
    for dropped in reports:
        for item in dropped:
            into = merged.setdefault(item["reason"], {"reason": item["reason"], "count": 0, "rows": []})
            into["count"] += item["count"]
            into["rows"] = sorted(into["rows"] + item["rows"])[:_REPORTED_ROWS]
    return list(merged.values())
