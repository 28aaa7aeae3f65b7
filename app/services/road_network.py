"""The configured road network and a waybill's cargo as the routing engine reads them, for the maps and the
services that plan on the network (incident detours).

The network is the OSM extract the routing engine reads (``NETWORK_PATH``, under ``DATA_DIR``), loaded once per
process through its own cache; without it callers plan nothing and say so. ``hazledger serve`` prepares it in a
background thread when it starts (:func:`prepare_road_network`: the first preparation of the extract takes tens
of seconds); meanwhile a map says so rather than keep its page waiting.
"""
from __future__ import annotations

import functools
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from app.services.waybills.line_entries import load_tunnel_code
from models import Waybill
from routing import RoutingInputError
from routing.cargo import Cargo, CatalogueEntry, cargo_from_un
from routing.network import Network, load_network

if TYPE_CHECKING:
    from routing.match_graph import MatchGraph

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=2)
def _network(path: str, cache_dir: str) -> Network | None:
    try:
        return load_network(path, cache_dir=cache_dir)
    except RoutingInputError as error:
        log.warning("no road network for the maps: %s", error)
        return None


#: The background preparations started in this process, by (network file, cache folder).
_preparing: dict[tuple[str, str], threading.Thread] = {}


class NetworkPreparing(Exception):
    """The network is being prepared in the background: a map drawn now shows no streets yet."""


def _configured(config: Any) -> tuple[str, str] | None:
    path = Path(config["DATA_DIR"]) / config["NETWORK_PATH"]
    return (str(path), str(config["CACHE_DIR"])) if path.is_file() else None


def prepare_road_network(app: Flask) -> threading.Thread | None:
    """Load the app's network in a background thread (the server's start); ``None`` when none is configured.

    The thread fills the process's cache (and the prepared-network cache on disk): once it is done, a map takes
    the network from memory."""
    key = _configured(app.config)
    if key is None:
        return None
    thread = threading.Thread(target=_network, args=key, name="prepare-road-network", daemon=True)
    _preparing[key] = thread
    thread.start()
    return thread


def road_network(*, wait: bool = False) -> Network | None:
    """The configured network, loaded once per process (the first load of an OSM extract takes seconds).

    Parameters
    ----------
    wait : bool
        While :func:`prepare_road_network` is still preparing it, wait for it (an incident's exposure and
        detours need the roads) rather than raise.

    Raises
    ------
    NetworkPreparing
        While the network is being prepared, unless *wait*.
    """
    key = _configured(current_app.config)
    if key is None:
        return None
    preparing = _preparing.get(key)
    if preparing is not None and preparing.is_alive():
        if not wait:
            raise NetworkPreparing
        preparing.join()
    return _network(*key)


#: The network prepared for map matching, by (network file, cache folder), once ready; its preparations.
_graphs: dict[tuple[str, str], MatchGraph | None] = {}
_graph_threads: dict[tuple[str, str], threading.Thread] = {}
_graphs_lock = threading.Lock()


def matching_graph(*, wait: bool = False) -> MatchGraph | None:
    """The configured network prepared for map matching, or ``None``: none is configured, or it is not ready yet.
    The first call starts its preparation in a background thread (after the network's own,
    :func:`prepare_road_network`) and returns at once unless *wait*: a live check never waits for it.

    One per process, for every matcher: the live checks', the compliance view's and the waybill map's driven roads
    (:mod:`app.services.trip_match`), prepared with the matcher's defaults (motor-vehicle ways only)."""
    key = _configured(current_app.config)
    if key is None:
        return None
    with _graphs_lock:
        if key in _graphs:
            return _graphs[key]
        thread = _graph_threads.get(key)
        if thread is None:
            thread = _graph_threads[key] = threading.Thread(target=_prepare_graph, args=key, daemon=True,
                                                            name="prepare-matching-graph")
            thread.start()
    if wait:
        thread.join()
    return _graphs.get(key)


def _prepare_graph(path: str, cache_dir: str) -> None:
    from routing.matching import prepare_matching  # scipy and pandas: not for a process that never matches

    preparing = _preparing.get((path, cache_dir))
    if preparing is not None:
        preparing.join()
    network = _network(path, cache_dir)
    graph = prepare_matching(network) if network is not None else None
    log.info("road network %s ready for live map matching", path)
    with _graphs_lock:
        _graphs[(path, cache_dir)] = graph


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
