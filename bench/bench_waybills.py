"""E-waybill speed (issue 5): submission + validation throughput, and listing 100,000 waybills with filters.

Both run through the HTTP API in-process, with the Flask test client on one thread (one worker, no socket):
what is measured is the whole request (auth, schema, every submission check, commit, JSON response) without
the network. Each runs on a throw-away SQLite database and, when the PostgreSQL binaries are installed, on a
throw-away PostgreSQL server (the test harness's).

1. Submission: a complete trip world (``tests/app/waybills/conftest.py``'s ``build_trip``, plus a few more
   permits per party and some stock history), N drafts opened by ``POST /api/v1/waybills``, then N
   ``POST /api/v1/waybills/{id}/submit`` calls, each running every check, at each of the sizes asked (200
   and 1,000 by default: every trip is planned on one vehicle and crew in one window, so the later
   submissions have hundreds of overlapping trips to warn of). Goal >= 300 submissions/s on SQLite and
   PostgreSQL, printed beside each figure with the CPU milliseconds a submission took (what the load of a
   shared machine does not inflate); also printed: drafts opened and submitted per second, both requests
   timed, and submissions through ``hazledger serve``, at the largest size.
2. Listing: W waybills bulk-inserted with Core (waybills + versions + lines, spread over statuses, a year and
   a few hundred enterprises, skewed towards a few big shippers), then timed ``GET /api/v1/waybills`` pages
   with status/party filters as an enterprise user and as a supervisor. Target: p95 < 100 ms per page.

Usage: ``python bench/bench_waybills.py [--submissions N ...] [--waybills W] [--pages P] [--page-size S]
[--only sqlite|postgresql] [--submission-only]`` (``--submission-only``: the in-process submissions alone, a
minute a backend).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import http.client
import itertools
import json
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import create_app, migrate  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.ledger import lifecycle  # noqa: E402
from app.services.ledger.posting import Actor  # noqa: E402
from models import Enterprise, EntryKind, PermitKind, Role, User  # noqa: E402
from models.waybills import Waybill, WaybillLine, WaybillStatus as S, WaybillVersion  # noqa: E402
from host import describe as describe_host  # noqa: E402
from serving import cpu_seconds, served  # noqa: E402
from tests.app.waybills.conftest import Trip, build_trip  # noqa: E402
from tests.factories import auth, make_carrier, make_enterprise, make_permit, make_user  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402

API = "/api/v1/waybills"
#: How a year of waybills is spread over the statuses (most trips are long closed).
STATUS_MIX = {S.CLOSED: 60, S.DRAFT: 8, S.AWAITING_PASS: 1, S.ISSUED: 10, S.REJECTED: 3, S.IN_TRANSIT: 4,
              S.DELIVERED: 6, S.CANCELLED: 8}
LIST_ENTERPRISES, LIST_CARRIERS = 300, 30
#: Issue 5's goal, on one worker.
SUBMISSIONS_GOAL = 300


def _app(url: str) -> Flask:
    migrate.upgrade(url)
    return create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})


def _ok(response, what: str) -> dict:  # noqa: ANN001 (a werkzeug test response)
    if response.status_code >= 300:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.get_data(as_text=True)[:500]}")
    return response.get_json()


# --- 1. submission -------------------------------------------------------------------------------------------

def _submission_world(session: Session) -> Trip:
    """build_trip, plus what a real firm has: other permits (some expired) and a stock history on the batch."""
    trip = build_trip(session)
    today = dt.date.today()
    for holder, kinds in ((trip.shipper, (PermitKind.CHEMICALS_OPERATION, PermitKind.SAFE_USE)),
                          (trip.consignee, (PermitKind.CHEMICALS_OPERATION, PermitKind.HAZARDOUS_WASTE)),
                          (trip.carrier, (PermitKind.ROAD_TRANSPORT, PermitKind.HIGHLY_TOXIC_TRANSPORT_PASS))):
        for kind in kinds:  # one current with a narrow scope, one expired last year
            make_permit(session, holder, kind=kind, hazard_classes=["8"], valid_from=today - dt.timedelta(days=30),
                        valid_to=today + dt.timedelta(days=300))
            make_permit(session, holder, kind=kind, hazard_classes=["3"], valid_from=today - dt.timedelta(days=730),
                        valid_to=today - dt.timedelta(days=366))
    make_permit(session, trip.shipper, kind=PermitKind.SAFE_USE, valid_from=today - dt.timedelta(days=30),
                valid_to=today + dt.timedelta(days=300))  # the shipper also uses some of what it makes
    user = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    actor = Actor(user.id, trip.shipper.id)
    now = dt.datetime.now(dt.timezone.utc)
    for n in range(40):  # production and consumption over the last day: a realistic history depth
        lifecycle.retire(session, actor, kind=EntryKind.CONSUME, batch_code=trip.batch.code,
                         site_id=trip.loading.id, quantity=Decimal("10"),
                         occurred_at=now - dt.timedelta(minutes=90 - n))
    session.commit()
    return trip


@dataclass(frozen=True)
class Rates:
    """Requests per second of wall clock, and per second of this process's CPU (what the machine's other load
    does not inflate)."""

    wall: float
    cpu: float


def _timed(count: int, run: Callable[[], None]) -> Rates:
    started, cpu = time.perf_counter(), time.process_time()
    run()
    return Rates(count / (time.perf_counter() - started), count / (time.process_time() - cpu))


def bench_submit(url: str, count: int) -> tuple[Rates, Rates, int]:
    """Submissions per second; drafts opened and submitted per second (both requests timed); SQL statements
    per submission."""
    app = _app(url)
    client = app.test_client()
    with app.app_context():
        trip = _submission_world(db.session)
    shipper = trip.headers["shipper"]
    drafts: list[dict] = []
    opened = _timed(count, lambda: drafts.extend(
        _ok(client.post(API, json=trip.draft(), headers=shipper), "create draft") for _ in range(count)))
    extra = _ok(client.post(API, json=trip.draft(), headers=shipper), "create draft")
    queries = _count_queries(app, lambda: _ok(client.post(
        f"{API}/{extra['id']}/submit", json={"row_version": extra["row_version"]}, headers=shipper), "submit"))
    # As ``hazledger serve`` does once started: what lives as long as the process (modules, mappers, schemas)
    # is frozen out of the collector's way, or a full collection of it falls now and then on a submission.
    gc.collect()
    gc.freeze()

    def submit_all() -> None:
        for draft in drafts:
            body = _ok(client.post(f"{API}/{draft['id']}/submit", json={"row_version": draft["row_version"]},
                                   headers=shipper), "submit")
            assert body["status"] == "issued", body

    submitted = _timed(count, submit_all)
    gc.unfreeze()  # the next run's app is another
    db.dispose(app)
    both = Rates(*(1 / (1 / getattr(opened, f) + 1 / getattr(submitted, f)) for f in ("wall", "cpu")))
    return submitted, both, queries


def bench_submit_served(url: str, count: int, log_dir: Path, clients: int = 2) -> Rates:
    """Submissions per second through ``hazledger serve`` on one worker thread, kept busy by *clients*
    connections from this process (on the other core); and per CPU-second of the server process."""
    app = _app(url)
    client = app.test_client()
    with app.app_context():
        trip = _submission_world(db.session)
    headers = {**trip.headers["shipper"], "Content-Type": "application/json"}
    warmup = max(1, count // 10)
    drafts = [_ok(client.post(API, json=trip.draft(), headers=headers), "create draft")
              for _ in range(warmup + count)]
    db.dispose(app)
    failures: list[str] = []

    def submit(port: int, mine: list[dict]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for draft in mine:
            connection.request("POST", f"{API}/{draft['id']}/submit", headers=headers,
                               body=json.dumps({"row_version": draft["row_version"]}))
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                failures.append(f"submit: HTTP {response.status} {answer[:300]!r}")
                return

    def run(port: int, batch: list[dict]) -> None:
        threads = [threading.Thread(target=submit, args=(port, batch[n::clients])) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise SystemExit(failures[0])

    with served(url, workers=1, threads=1, log_dir=log_dir) as [(pid, port)]:
        run(port, drafts[:warmup])
        started, cpu = time.perf_counter(), cpu_seconds([pid])
        run(port, drafts[warmup:])
        return Rates(count / (time.perf_counter() - started), count / (cpu_seconds([pid]) - cpu))


def _count_queries(app: Flask, call) -> int:  # noqa: ANN001
    with app.app_context():
        engine = db.engine
    seen = []

    def _count(*_args: object) -> None:
        seen.append(1)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return len(seen)


# --- 2. listing ----------------------------------------------------------------------------------------------

def _number(n: int, day: dt.date) -> str:
    return f"YD{day:%Y%m%d}-{n:06X}"


def _bulk_waybills(session: Session, total: int, rng: random.Random) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Insert *total* waybills (one version, one or two lines each; a few corrected: two versions)."""
    firms = [make_enterprise(session, name=f"基准化工{n}") for n in range(LIST_ENTERPRISES)]
    carriers = [make_carrier(session, name=f"基准运输{n}") for n in range(LIST_CARRIERS)]
    creator, _ = make_user(session, Role.ADMIN)
    session.commit()
    firm_ids, carrier_ids = [f.id for f in firms], [c.id for c in carriers]
    # Zipf: a few big firms, a long tail (cumulative weights: rng.choices would re-add them on every call).
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(firm_ids))))
    statuses, status_weights = list(STATUS_MIX), list(itertools.accumulate(STATUS_MIX.values()))
    now = dt.datetime.now(dt.timezone.utc)
    chunk = 5000
    for start in range(0, total, chunk):
        waybills, versions, lines = [], [], []
        for n in range(start, min(total, start + chunk)):
            created = now - dt.timedelta(seconds=rng.uniform(0, 365 * 86400))
            shipper = rng.choices(firm_ids, cum_weights=weights)[0]
            consignee = rng.choices(firm_ids, cum_weights=weights)[0]
            status = rng.choices(statuses, cum_weights=status_weights)[0]
            waybill_id = uuid.uuid4()
            version_count = 2 if rng.random() < 0.03 else 1
            waybills.append({
                "id": waybill_id, "number": _number(n, created.date()), "status": status,
                "version": version_count, "row_version": 3, "shipper_id": shipper, "consignee_id": consignee,
                "carrier_id": rng.choice(carrier_ids), "created_by": creator.id, "created_at": created,
                "updated_at": created + dt.timedelta(hours=2),
                "departed_at": created + dt.timedelta(days=1) if status in (S.IN_TRANSIT, S.DELIVERED, S.CLOSED)
                else None,
                "delivered_at": created + dt.timedelta(days=1, hours=5) if status in (S.DELIVERED, S.CLOSED)
                else None,
            })
            for number in range(1, version_count + 1):
                version_id = uuid.uuid4()
                versions.append({"id": version_id, "waybill_id": waybill_id, "version": number,
                                 "departure_earliest": created + dt.timedelta(days=1),
                                 "departure_latest": created + dt.timedelta(days=1, hours=4),
                                 "emergency_contact": "0510-12345678", "warnings": [], "created_at": created})
                for line_no in range(1, rng.choice((1, 1, 1, 2)) + 1):
                    lines.append({"id": uuid.uuid4(), "version_id": version_id, "line_no": line_no,
                                  "un_number": "1230", "proper_shipping_name": "METHANOL", "hazard_class": "3",
                                  "packing_group": "II", "tunnel_code": "D/E",
                                  "quantity_kg": Decimal(rng.randrange(1000, 30000)), "packaging_kind": "tank",
                                  "packaging_count": 1})
        session.execute(insert(Waybill.__table__), waybills)
        session.execute(insert(WaybillVersion.__table__), versions)
        session.execute(insert(WaybillLine.__table__), lines)
        session.commit()
    return firm_ids, carrier_ids


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


def bench_list(url: str, total: int, pages: int, page_size: int, seed: int = 5) -> dict[str, tuple[float, float]]:
    """p50/p95 ms per page, per caller, over a mix of filters and pages."""
    rng = random.Random(seed)
    app = _app(url)
    client = app.test_client()
    with app.app_context():
        session = db.session
        started = time.perf_counter()
        firm_ids, carrier_ids = _bulk_waybills(session, total, rng)
        loaded = time.perf_counter() - started
        big, middling = firm_ids[0], firm_ids[20]
        _, firm_token = make_user(session, Role.ENTERPRISE, enterprise=session.get(Enterprise, big))
        _, supervisor_token = make_user(session, Role.SUPERVISOR)
        session.commit()
    print(f"           ({total:,} waybills bulk-inserted in {loaded:.1f} s)")
    if "postgresql" in url:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("ANALYZE")
    callers = {
        "enterprise": (auth(firm_token), [{}, {"status": "closed"}, {"status": "issued"}, {"status": "draft"},
                                          {"party": str(carrier_ids[3])},
                                          {"status": "closed", "party": str(middling)}]),
        "supervisor": (auth(supervisor_token), [{}, {"status": "awaiting_pass"}, {"status": "in_transit"},
                                                {"status": "closed"}, {"party": str(middling)},
                                                {"status": "issued", "party": str(carrier_ids[3])},
                                                {"status": "closed", "party": str(big)}]),
    }
    results = {}
    for caller, (headers, filters) in callers.items():
        samples = []
        for n in range(pages):
            query = dict(filters[n % len(filters)])
            query.update(page=str(1 + rng.randrange(20) if n % 5 else 1), page_size=str(page_size))
            started = time.perf_counter()
            response = client.get(API, query_string=query, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            _ok(response, f"list {query}")
        results[caller] = _percentiles(samples)
    db.dispose(app)
    return results


# --- main ----------------------------------------------------------------------------------------------------

def _create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, nargs="+", default=[200, 1000],
                        help="submissions timed in process, one run each (the others at the largest)")
    parser.add_argument("--waybills", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=300, help="timed list pages per caller")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--submission-only", action="store_true", help="only the in-process submissions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        targets = []
        if args.only != "postgresql":
            targets.append(("sqlite", lambda name: f"sqlite:///{tmp}/{name}.db"))
        bindir = find_bindir()
        if bindir is not None and args.only != "sqlite":
            server = PostgresServer(bindir)
            server.start()
            targets.append(("postgresql", lambda name: _create_database(server.url(), name)))
        try:
            for name, make_url in targets:
                print(f"{name:<10} ({describe_host()})")
                for count in sorted(args.submissions):  # the last, largest, run's drafts are timed below
                    submitted, both, queries = bench_submit(make_url(f"submit{count}"), count)
                    met = "met" if submitted.wall >= SUBMISSIONS_GOAL else "not met"
                    print(f"{name:<10} submissions/s {submitted.wall:>7,.0f}   goal >= {SUBMISSIONS_GOAL}: {met}   "
                          f"({1000 / submitted.cpu:.2f} ms of CPU each, {submitted.cpu:,.0f} per CPU-second; "
                          f"{count} validated submissions through POST {API}/<id>/submit, all on one vehicle and "
                          f"crew in one window, Flask test client, one thread; {queries} SQL statements each)")
                if args.submission_only:
                    continue
                largest = max(args.submissions)
                print(f"{name:<10} draft + submit/s {both.wall:>4,.0f}   (per CPU-second {both.cpu:,.0f}; the same "
                      f"{largest} drafts, each opened by POST {API} and then submitted, both timed)")
                served_rates = bench_submit_served(make_url("served"), largest, Path(tmp))
                print(f"{name:<10} served submissions/s {served_rates.wall:>3,.0f}   (per CPU-second of the server "
                      f"{served_rates.cpu:,.0f}; through `hazledger serve`, one process with one worker thread, "
                      f"{largest} submissions from 2 keep-alive connections)")
                for caller, (p50, p95) in bench_list(make_url("list"), args.waybills, args.pages,
                                                     args.page_size).items():
                    print(f"{name:<10} list as {caller:<10} p50 {p50:>6.1f} ms   p95 {p95:>6.1f} ms   "
                          f"({args.pages} pages of {args.page_size}, status/party filters, over "
                          f"{args.waybills:,} waybills)")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
