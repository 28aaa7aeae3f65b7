"""Benchmark the first waybill map after ``make run``: the road network prepared in the background, then the map.

Run from the repository root: ``python bench/bench_first_map.py [--no-cold]``. A temporary SQLite database gets
the demo (``db upgrade``, ``demo load``); the app then starts as ``hazledger serve`` starts it, preparing the
network in a background thread (:func:`app.web.maps.prepare_road_network`) into an empty cache folder, the first
preparation of the extract. Printed: the page asked for during the preparation (it says "preparing the road
network" and opens at once), the preparation's time, and the first map once it is done (goal < 2 s). Beside them,
unless ``--no-cold``, the same first map without the warm-up, in a fresh cache, as it was before issue 18.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services.demo import DEMO_PASSWORD  # noqa: E402
from app.web import maps  # noqa: E402
from host import describe  # noqa: E402
from models import Waybill  # noqa: E402

GOAL_S = 2.0


def _signed_in(app: Any) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    reply = client.post("/login", data={"name": "demo-supervisor", "password": DEMO_PASSWORD, "csrf_token": token})
    if reply.status_code != 302:
        raise SystemExit("could not sign in as demo-supervisor")
    return client


def _timed_page(client: Any, path: str) -> tuple[float, str]:
    start = time.perf_counter()
    reply = client.get(path)
    elapsed = time.perf_counter() - start
    if reply.status_code != 200:
        raise SystemExit(f"{path} answered {reply.status_code}")
    return elapsed, reply.get_data(as_text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cold", action="store_true", help="skip the first map without the warm-up")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        hazledger = [sys.executable, "-c", "from app.cli import main; main()", "--database-url", url]
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run([*hazledger, *command], cwd=REPO, capture_output=True, check=True)
        app = create_app({"DATABASE_URL": url, "CACHE_DIR": str(Path(tmp) / "warm")})
        with app.app_context():
            waybill_id = db.session.scalars(select(Waybill.id).where(Waybill.corridor_id.is_not(None))).first()
        path = f"/waybills/{waybill_id}"
        client = _signed_in(app)
        started = time.perf_counter()
        preparing = maps.prepare_road_network(app)
        if preparing is None:
            raise SystemExit("no road network configured (NETWORK_PATH under DATA_DIR)")
        during, page = _timed_page(client, path)
        said = "says it is preparing" if "路网" in page or "Preparing the road network" in page else "NOT SAYING SO"
        preparing.join()
        warm_up = time.perf_counter() - started
        first, page = _timed_page(client, path)
        verdict = "meets the goal" if first < GOAL_S else "over the goal"
        print(f"waybill page during the preparation: {during:.2f} s ({said}); the preparation, in the background: "
              f"{warm_up:.1f} s; then the first map: {first:.2f} s (goal < {GOAL_S:g} s: {verdict})")
        if not args.no_cold:
            maps._network.cache_clear()
            app.config["CACHE_DIR"] = str(Path(tmp) / "cold")
            cold, _ = _timed_page(client, path)
            print(f"the first map without the warm-up (the network prepared during the request, as before): "
                  f"{cold:.1f} s")
        db.dispose(app)


if __name__ == "__main__":
    main()
