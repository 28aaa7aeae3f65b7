"""The overlapping-trips warning names the first five other planned waybills of the vehicle and crew by planned
departure (then id), however many there are and whichever column names them; the departure refusal stays exact.

The query reads each column's first five from an index (migration 0040): these tests compare what it names with
the rule worked out in Python over every waybill, on worlds with more than five overlapping trips, trips outside
the window, trips in other states, superseded versions and ties in departure."""
from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.services.waybills.documents import new_waybill_number
from app.services.waybills.trips import OCCUPIES, OVERLAPS_LISTED, PLANNED, check_free, overlapping_trips
from models import User, WaybillStatus as S
from models.waybills import Waybill, WaybillVersion
from tests.app.waybills.conftest import Trip
from tests.factories import make_enterprise, make_person, make_vehicle

#: The trip every test asks about: tomorrow 08:00-12:00.
EARLIEST = dt.datetime(2026, 12, 7, 8, tzinfo=dt.timezone.utc)
LATEST = EARLIEST + dt.timedelta(hours=4)
CREW = ("vehicle_id", "trailer_id", "driver_id", "escort_id")


def _waybill(session: Session, trip: Trip, status: S, *versions: dict) -> Waybill:
    """A waybill of *trip*'s parties in *status* whose versions (the last current) have the given content."""
    creator = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    waybill = Waybill(id=uuid.uuid4(), number=new_waybill_number(EARLIEST.date()), status=status,
                      version=len(versions), shipper_id=trip.shipper.id, consignee_id=trip.consignee.id,
                      carrier_id=trip.carrier.id, created_by=creator.id)
    for number, content in enumerate(versions, 1):
        waybill.versions.append(WaybillVersion(version=number, **content))
    session.add(waybill)
    session.flush()
    return waybill


def _mine(session: Session, trip: Trip) -> Waybill:
    return _waybill(session, trip, S.DRAFT, {"vehicle_id": trip.tanker.id, "driver_id": trip.driver.id,
                                             "escort_id": trip.escort.id, "departure_earliest": EARLIEST,
                                             "departure_latest": LATEST})


def _expected(session: Session, mine: Waybill) -> list[tuple[str, str]]:
    """The rule, over every waybill: the other planned ones whose current version names one of *mine*'s vehicle
    and crew in a window overlapping its own, first by departure then id, each under the first of *mine*'s
    fields it names."""
    version = mine.current
    found = []
    for other in session.scalars(select(Waybill).where(Waybill.id != mine.id, Waybill.status.in_(PLANNED))):
        theirs = other.current
        if theirs.departure_earliest > version.departure_latest or theirs.departure_latest < version.departure_earliest:
            continue
        field = next((name for name, fields in OCCUPIES.items() for column in fields
                      if getattr(version, name) and getattr(theirs, column) == getattr(version, name)), None)
        if field:
            found.append((_utc(theirs.departure_earliest), other.id, field, other.number))
    return [(field, f"also planned on waybill {number} in an overlapping window")
            for _at, _id, field, number in sorted(found)[:OVERLAPS_LISTED]]


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)  # SQLite gives them back naive


def test_the_first_five_overlapping_trips_of_the_vehicle_earliest_first(session, trip):
    mine = _mine(session, trip)
    on_the_tanker = {"vehicle_id": trip.tanker.id}
    hour = dt.timedelta(hours=1)
    listed = []
    for starts in (3, 1, 2, 2, 2, 0, 4, 3.5):  # eight overlapping (three tied at 10:00), hours after 08:00
        at = EARLIEST + starts * hour
        listed.append(_waybill(session, trip, S.ISSUED, {**on_the_tanker, "departure_earliest": at,
                                                         "departure_latest": at + hour}))
    for starts, ends in ((-6, -0.5), (4.5, 6), (-30, -26)):  # outside the window: before, after, long before
        _waybill(session, trip, S.ISSUED, {**on_the_tanker, "departure_earliest": EARLIEST + starts * hour,
                                           "departure_latest": EARLIEST + ends * hour})
    for status in (S.DRAFT, S.CLOSED, S.CANCELLED):  # in the window, but holding nothing
        _waybill(session, trip, status, {**on_the_tanker, "departure_earliest": EARLIEST - hour,
                                         "departure_latest": LATEST})
    _waybill(session, trip, S.ISSUED,  # its first version overlapped; the current one does not
             {**on_the_tanker, "departure_earliest": EARLIEST - hour, "departure_latest": LATEST},
             {**on_the_tanker, "departure_earliest": EARLIEST + 48 * hour, "departure_latest": EARLIEST + 50 * hour})
    session.commit()
    warned = overlapping_trips(session, mine, mine.current)
    tied = sorted((w for w in listed if w.current.departure_earliest == EARLIEST + 2 * hour), key=lambda w: w.id)
    order = [listed[5], listed[1], *tied[:3]]  # 08:00, 09:00, then the three at 10:00 by id
    assert warned == [("vehicle_id", f"also planned on waybill {w.number} in an overlapping window") for w in order]
    assert warned == _expected(session, mine)


def test_a_trip_naming_the_crew_in_another_role_is_listed_under_the_field_it_names(session, trip):
    mine = _mine(session, trip)
    hour = dt.timedelta(hours=1)
    other_tanker = make_vehicle(session, trip.carrier, plate="苏B7777")
    for starts, content in ((3, {"escort_id": trip.driver.id}), (2, {"driver_id": trip.escort.id}),
                            (1, {"vehicle_id": other_tanker.id, "trailer_id": trip.tanker.id}),
                            (0.5, {"vehicle_id": other_tanker.id})):  # the last one shares nothing
        at = EARLIEST + starts * hour
        _waybill(session, trip, S.IN_TRANSIT, {**content, "departure_earliest": at, "departure_latest": at + hour})
    session.commit()
    assert [field for field, _message in overlapping_trips(session, mine, mine.current)] == \
        ["vehicle_id", "escort_id", "driver_id"]
    assert overlapping_trips(session, mine, mine.current) == _expected(session, mine)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_what_the_warning_lists_is_the_rule_over_every_waybill(session, trip, seed):
    """Random worlds: thirty other waybills naming one of the vehicle and crew in one of their columns (or
    someone else), in random windows around the trip's and in random states, a few of them corrected."""
    rng = random.Random(seed)
    mine = _mine(session, trip)
    trailer = make_vehicle(session, trip.carrier, plate="苏B6666挂", kind="tank_trailer")
    mine.current.trailer_id = trailer.id
    stranger = make_person(session, trip.carrier)
    ours = [trip.tanker.id, trailer.id, trip.driver.id, trip.escort.id, stranger.id]
    statuses = [*PLANNED, S.DRAFT, S.CLOSED]
    hours = [-8, -4, -2, -1, 0, 0, 1, 2, 2, 3, 4, 5]  # ties on purpose
    for _ in range(30):
        versions = []
        for _version in range(rng.choice((1, 1, 1, 2))):
            column = rng.choice(CREW)
            named = ours[:2] if column in ("vehicle_id", "trailer_id") else ours[2:]
            at = EARLIEST + dt.timedelta(hours=rng.choice(hours))
            versions.append({column: rng.choice(named), "departure_earliest": at,
                             "departure_latest": at + dt.timedelta(hours=rng.choice((1, 3, 6)))})
        _waybill(session, trip, rng.choice(statuses), *versions)
    session.commit()
    expected = _expected(session, mine)
    assert len(expected) == OVERLAPS_LISTED  # more than five overlap in each world
    assert overlapping_trips(session, mine, mine.current) == expected


def _plan(session: Session, mine: Waybill) -> list[str]:
    """The plan of the statement the warning runs, as the database gives it (on PostgreSQL as run, with the rows
    each step gave)."""
    connection = session.connection()
    seen = []

    def grab(_conn, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", grab)
    try:
        overlapping_trips(session, mine, mine.current)
    finally:
        event.remove(connection, "before_cursor_execute", grab)
    (statement, parameters), = seen
    if connection.dialect.name == "sqlite":
        return [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    # The tables are a few rows: without this PostgreSQL reads them whole, which says nothing of a large one.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)"
    return [row[0] for row in connection.exec_driver_sql(f"{explain} {statement}", parameters)]


def test_each_column_is_read_in_departure_order_and_only_its_first_five(session, trip):
    """Forty overlapping trips on the tanker and its crew: each column's lookup walks its index in the order
    listed, stops at five, and only the union of those is sorted."""
    mine = _mine(session, trip)
    for n in range(40):
        at = EARLIEST + dt.timedelta(minutes=5 * n)
        _waybill(session, trip, S.ISSUED, {"vehicle_id": trip.tanker.id, "driver_id": trip.driver.id,
                                           "escort_id": trip.escort.id, "departure_earliest": at,
                                           "departure_latest": at + dt.timedelta(hours=1)})
    session.commit()
    plan = _plan(session, mine)
    text = "\n".join(plan)
    if session.connection().dialect.name == "sqlite":
        lookups = [line for line in plan if "waybill_versions" in line]
        assert lookups and all("_departure (" in line for line in lookups), text
        assert [line for line in plan if "TEMP B-TREE FOR ORDER BY" in line] == ["USE TEMP B-TREE FOR ORDER BY"], text
        return
    lookups = [line for line in plan if "Index Scan using ix_waybill_versions_" in line]
    assert len(lookups) == 6 and all("_departure on" in line for line in lookups), text
    assert text.count("Sort Key") == 1, text  # the union's five-a-branch only
    limits = [line for line in plan if "->  Limit" in line]
    assert len(limits) == 6 and all("actual rows=5 " in line or "actual rows=0 " in line for line in limits), text


def test_the_departure_refusal_still_sees_every_trip_on_the_road(session, trip):
    """Whatever the warning lists, a vehicle or crew member on the road under any other waybill, however many
    are planned before it, refuses the departure."""
    mine = _mine(session, trip)
    hour = dt.timedelta(hours=1)
    for starts in range(8):  # planned, and earlier than the one on the road
        at = EARLIEST - (20 - starts) * hour
        _waybill(session, trip, S.ISSUED, {"driver_id": trip.driver.id, "departure_earliest": at,
                                           "departure_latest": at + hour})
    session.commit()
    check_free(session, mine, mine.current)  # nothing on the road yet
    on_the_road = _waybill(session, trip, S.IN_TRANSIT, {"escort_id": trip.driver.id,
                                                         "departure_earliest": EARLIEST + 30 * hour,
                                                         "departure_latest": EARLIEST + 31 * hour})
    session.commit()
    with pytest.raises(Conflict) as refused:
        check_free(session, mine, mine.current)
    assert refused.value.code == "vehicle_in_use" and list(refused.value.errors) == ["driver_id"]
    assert on_the_road.number in str(refused.value.errors["driver_id"][0])


def test_another_customers_trip_is_warned_of_without_its_number(session, trip):
    """The shipper and consignee read the warnings of their waybill: the carrier's trip for another shipper
    (a waybill they may not read) is named without its number; their own other trip with it."""
    mine = _mine(session, trip)
    theirs = _waybill(session, trip, S.ISSUED, {"vehicle_id": trip.tanker.id, "departure_earliest": EARLIEST,
                                                "departure_latest": LATEST})
    ours = _waybill(session, trip, S.ISSUED, {"driver_id": trip.driver.id, "departure_earliest": EARLIEST,
                                              "departure_latest": LATEST})
    theirs.shipper_id = make_enterprise(session).id
    session.commit()
    warned = dict(overlapping_trips(session, mine, mine.current))
    assert str(warned["vehicle_id"]) == "also planned on another waybill of the carrier in an overlapping window"
    assert str(warned["driver_id"]) == f"also planned on waybill {ours.number} in an overlapping window"
    assert theirs.number not in " ".join(map(str, warned.values()))
