"""The configured road network and a waybill's cargo as the routing engine reads them, for the maps and the
services that plan on the network (incident detours).

The network is the OSM extract the routing engine reads (``NETWORK_PATH``, under ``DATA_DIR``), loaded once per
process through its own cache; without it callers plan nothing and say so.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import replace
from pathlib import Path

from flask import current_app

from app.services.waybills.line_entries import load_tunnel_code
from models import Waybill
from routing import RoutingInputError
from routing.cargo import Cargo, CatalogueEntry, cargo_from_un
from routing.network import Network, load_network

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=2)
def _network(path: str, cache_dir: str) -> Network | None:
    try:
        return load_network(path, cache_dir=cache_dir)
    except RoutingInputError as error:
        log.warning("no road network for the maps: %s", error)
        return None


def road_network() -> Network | None:
    """The configured network, loaded once per process (the first load of an OSM extract takes seconds)."""
    path = Path(current_app.config["DATA_DIR"]) / current_app.config["NETWORK_PATH"]
    if not path.is_file():
        return None
    return _network(str(path), current_app.config["CACHE_DIR"])


def waybill_cargo(waybill: Waybill, *, tank: bool) -> Cargo | None:
    """The routing engine's cargo of the waybill's lines as submitted: the tunnel categories closed to the whole
    load carried in a tank or not (ADR 8.6.3.2, 8.6.4); ``None`` without dangerous goods."""
    lines = [line for line in waybill.current.lines if line.un_number]
    catalogue = {line.un_number: CatalogueEntry(line.un_number, line.proper_shipping_name or "",
                                                line.hazard_class or "", line.tunnel_code) for line in lines}
    cargo = cargo_from_un(list(catalogue), catalogue) if catalogue else None
    if cargo is not None:
        answer = load_tunnel_code(lines, tank=tank)
        cargo = replace(cargo, tunnel_code=answer.code, closed_tunnel_categories=frozenset(answer.closed))
    return cargo
