"""``hazledger route``: stateless corridor checks, route planning and map matching (no database, no Flask).

Contract (CONTRACT.md): ``route check`` exits 0 when the track is compliant, 1 when it is not, 2 on
bad input with a one-line reason on stderr; ``route plan`` exits 0 with a GeoJSON Feature, 2 when the
input is bad or no permitted route exists; ``route match`` exits 0, 1 when a road closed to the cargo was
used, 2 on bad input.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from app.cli._common import EXIT_FINDING, echo_json, fail
from routing._errors import RoutingInputError

F = TypeVar("F", bound=Callable[..., Any])

# The shared reference data sits next to the repository (../shared/data); a deployment names its own
# catalogue with --catalogue or HAZLEDGER_UN_CATALOGUE.
_REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE = _REPO_ROOT.parent / "shared" / "data" / "dangerous_goods" / "un_numbers_adr.csv"

route = click.Group(
    "route",
    help="Check GPS tracks against corridors and plan hazmat-compliant routes (no database needed).",
)

_FILE = click.Path(dir_okay=False, path_type=Path)


def _reasons_to_exit_2(func: F) -> F:
    """Turn the library's RoutingInputError into the contract's one-line reason and exit 2."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RoutingInputError as exc:
            fail(str(exc))
    return wrapper  # type: ignore[return-value]


def _cargo(un_numbers: Sequence[str], catalogue: Path | None, *, tank: bool = True) -> Any:
    """Build the Cargo for ``--un`` options (None when no UN number is given)."""
    if not un_numbers:
        return None
    from routing.cargo import cargo_from_un

    return cargo_from_un(un_numbers, un_catalogue(catalogue), tank=tank)


def un_catalogue(catalogue: Path | None) -> Any:
    """The UN list of ``--catalogue``, else ``$HAZLEDGER_UN_CATALOGUE``, else the shared one."""
    from routing.cargo import load_catalogue

    path = catalogue or Path(os.environ.get("HAZLEDGER_UN_CATALOGUE") or DEFAULT_CATALOGUE)
    if not path.is_file():
        raise RoutingInputError(f"UN catalogue not found: {path} (use --catalogue FILE)")
    return load_catalogue(path)


def _network(path: Path | None, cache_dir: Path | None) -> Any:
    """The road network of ``--network`` (None without one: its module, with an XML parser, is then not imported)."""
    if path is None:
        return None
    from routing.network import load_network

    return load_network(path, cache_dir=cache_dir)


_un_option = click.option("--un", "un_numbers", multiple=True, metavar="NUMBER",
                          help="UN number on board (repeatable), e.g. 1203 or UN1203.")
_catalogue_option = click.option("--catalogue", type=_FILE, default=None,
                                 help="UN list CSV (default: the shared un_numbers_adr.csv).")
_cache_option = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                             help="Prepared-network cache (default $HAZLEDGER_CACHE_DIR or instance/cache).")
_plot_option = click.option("--plot", type=_FILE, default=None,
                            help="Also draw a picture (.png, .svg or .pdf).")
_buffer_option = click.option("--buffer-m", type=float, default=50.0, show_default=True,
                              help="Half-width of line corridors without a width_m property, metres.")


def _load_options(func: F) -> F:
    """The cargo and vehicle options of ``plan`` and ``match``: what closes roads to this load."""
    options = [
        _un_option,
        _catalogue_option,
        click.option("--packaged", is_flag=True,
                     help="Goods in packages, not tank/bulk (the laxer half of codes like D/E)."),
        click.option("--weight-t", type=float, default=None,
                     help="Vehicle gross weight, tonnes (over 3.5 t is an HGV)."),
        click.option("--height-m", type=float, default=None, help="Vehicle height, metres."),
        click.option("--hgv", is_flag=True, help="The vehicle is a heavy goods vehicle (closes hgv=no roads)."),
        click.option("--untagged-tunnel-category", type=click.Choice(list("ABCDE")), default="A",
                     show_default=True,
                     help="ADR category assumed for tunnels without one (E: closed to every dangerous load)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _vehicle(weight_t: float | None, height_m: float | None, hgv: bool) -> Any:
    """The Vehicle of the ``--weight-t``, ``--height-m`` and ``--hgv`` options."""
    from routing._validate import check_positive
    from routing.restrictions import Vehicle

    return Vehicle(
        weight_t=None if weight_t is None else check_positive(weight_t, name="--weight-t"),
        height_m=None if height_m is None else check_positive(height_m, name="--height-m"),
        hgv=hgv,
    )


@route.command("check")
@click.option("--corridor", "corridor_path", type=_FILE, required=True, help="Corridor GeoJSON.")
@click.option("--track", "track_path", type=_FILE, required=True, help="Track: CSV, GeoJSON or GPX.")
@_buffer_option
@click.option("--min-points", type=int, default=3, show_default=True, help="Fixes a deviation must last.")
@click.option("--min-seconds", type=float, default=60.0, show_default=True,
              help="Seconds a deviation must last.")
@click.option("--max-gap-s", type=float, default=300.0, show_default=True,
              help="Longer gaps between fixes are signal_gap episodes.")
@click.option("--hysteresis-m", type=float, default=10.0, show_default=True,
              help="Depth inside the corridor needed to end a deviation.")
@click.option("--gcj02", is_flag=True, help="Track coordinates are GCJ-02 (Chinese web maps); convert them.")
@click.option("--network", "network_path", type=_FILE, default=None,
              help="Road network (.osm/.graphml): for road-list corridors, --match and the plot background.")
@click.option("--match", "by_roads", is_flag=True,
              help="Judge deviations by the map-matched roads, not the raw fixes (needs --network).")
@click.option("--end-tolerance-m", type=float, default=500.0, show_default=True,
              help="With --match: fixes this close to the trip's first or last fix are never a deviation.")
@click.option("--sigma-m", type=float, default=None,
              help="With --match: GPS noise, metres (default: estimated from the track).")
@_un_option
@_catalogue_option
@_cache_option
@_plot_option
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@_reasons_to_exit_2
def check(corridor_path: Path, track_path: Path, buffer_m: float, min_points: int, min_seconds: float,
          max_gap_s: float, hysteresis_m: float, gcj02: bool, network_path: Path | None, by_roads: bool,
          end_tolerance_m: float, sigma_m: float | None, un_numbers: tuple[str, ...], catalogue: Path | None,
          cache_dir: Path | None, plot: Path | None, fmt: str) -> None:
    """Check one GPS track against a corridor; exit 1 when it is not compliant."""
    from routing.track_csv import reading_ahead  # numpy and pyarrow's CSV reader only

    with reading_ahead(track_path, gcj02=gcj02) as clean:  # read while the rest is imported, the corridor loaded
        from routing.checks import CheckParameters, check_track
        from routing.corridors import load_corridor
        from routing.tracks import read_track

        if plot is not None:
            # matplotlib and geopandas (and scipy, through the match report) cost more CPU to import than checking
            # a million fixes: only for a picture.
            from routing.plot import check_plot_path

            check_plot_path(plot)
        if by_roads and network_path is None:
            raise RoutingInputError("--match needs the road network (--network FILE)")
        params = CheckParameters(min_points=min_points, min_seconds=min_seconds, max_gap_s=max_gap_s,
                                 hysteresis_m=hysteresis_m).validated()
        cargo = _cargo(un_numbers, catalogue)
        network = _network(network_path, cache_dir)
        corridor = load_corridor(corridor_path, buffer_m=buffer_m, network=network)
        track = read_track(track_path, gcj02=gcj02, clean=clean)
    classes = cargo.hazard_classes if cargo else None
    if by_roads:
        from routing.matching import MatchParameters, prepare_matching
        from routing.road_check import check_track_by_roads

        result = check_track_by_roads(track, corridor, prepare_matching(network), params, hazard_classes=classes,
                                      end_tolerance_m=end_tolerance_m, match=MatchParameters(sigma_m=sigma_m))
    else:
        result = check_track(track, corridor, params, hazard_classes=classes)
    if plot is not None:
        from routing.plot import plot_check

        plot_check(plot, track, corridor, result, network)
    if fmt == "json":
        echo_json(result)
    else:
        _echo_check_text(result)
    if not result["compliant"]:
        sys.exit(EXIT_FINDING)


def _echo_check_text(result: dict[str, Any]) -> None:
    """The ``--format text`` report, written at once (a line per episode, thousands on a month with detours)."""
    verdict = "compliant" if result["compliant"] else "NOT compliant"
    lines = [f"{verdict}: {result['valid_points']} of {result['points']} fixes valid, "
             f"{len(result['episodes'])} episode(s)"]
    for d in result["dropped"]:
        lines.append(f"  dropped {d['count']} × {d['reason']} (rows {', '.join(map(str, d['rows']))}...)")
    for e in result["episodes"]:
        where = f" [{e['zone']}, {e['rule']}]" if "zone" in e else ""
        if "driving_since" in e:
            where = f" [driving since {e['driving_since']}, {e['driving_s'] / 3600:.1f} h]"
        roads = f" on {', '.join(e['roads'])}" if e.get("roads") else ""
        lines.append(f"  {e['kind']}{where}{roads}: {e['start']} → {e['end']} ({e['duration_s']:.0f} s), "
                     f"max {e['max_offset_m']:.0f} m off, {e['length_m']:.0f} m, "
                     f"fixes {e['first_index']}–{e['last_index']}")
    lines += [f"  note: {note}" for note in result["notes"]]
    click.echo("\n".join(lines))


@route.command("plan")
@click.option("--network", "network_path", type=_FILE, required=True, help="Road network (.osm or .graphml).")
@click.option("--from", "origin", required=True, metavar="LON,LAT", help="Start, WGS-84 degrees.")
@click.option("--to", "destination", required=True, metavar="LON,LAT", help="End, WGS-84 degrees.")
@_load_options
@click.option("--corridor", "corridor_path", type=_FILE, default=None,
              help="Stay inside this corridor GeoJSON.")
@_buffer_option
@click.option("--max-snap-m", type=float, default=500.0, show_default=True,
              help="How far --from/--to may be from a permitted road.")
@_cache_option
@_plot_option
@click.option("--format", "fmt", type=click.Choice(["geojson", "text"]), default="geojson", show_default=True)
@_reasons_to_exit_2
def plan(network_path: Path, origin: str, destination: str, un_numbers: tuple[str, ...],
         catalogue: Path | None, packaged: bool, weight_t: float | None, height_m: float | None, hgv: bool,
         untagged_tunnel_category: str,
         corridor_path: Path | None, buffer_m: float, max_snap_m: float, cache_dir: Path | None,
         plot: Path | None, fmt: str) -> None:
    """Plan the fastest route that respects the cargo's restrictions; print a GeoJSON Feature."""
    from routing._validate import parse_lonlat
    from routing.corridors import load_corridor
    from routing.planner import plan_route
    from routing.plot import check_plot_path, plot_route

    if plot is not None:
        check_plot_path(plot)
    start = parse_lonlat(origin, name="--from")
    end = parse_lonlat(destination, name="--to")
    vehicle = _vehicle(weight_t, height_m, hgv)
    cargo = _cargo(un_numbers, catalogue, tank=not packaged)
    network = _network(network_path, cache_dir)
    corridor = (load_corridor(corridor_path, buffer_m=buffer_m, network=network)
                if corridor_path is not None else None)
    result = plan_route(network, start, end, cargo=cargo, vehicle=vehicle,
                        corridor=corridor.area(cargo.hazard_classes if cargo else None) if corridor else None,
                        untagged_tunnel_category=untagged_tunnel_category, max_snap_m=max_snap_m)
    if plot is not None:
        plot_route(plot, network, result, corridor)
    properties = {"un_numbers": list(cargo.un_numbers) if cargo else [],
                  "tunnel_code": cargo.tunnel_code if cargo else None}
    if fmt == "geojson":
        echo_json(result.to_geojson(properties))
    else:
        load = f"; cargo UN{', UN'.join(cargo.un_numbers)} (tunnel code {cargo.tunnel_code})" if cargo else ""
        click.echo(f"route: {result.length_m / 1000:.2f} km, {result.travel_time_s / 60:.1f} min, "
                   f"{len(result.edges)} edges, {len(result.osm_way_ids)} OSM ways{load}")


@route.command("match")
@click.option("--network", "network_path", type=_FILE, required=True, help="Road network (.osm or .graphml).")
@click.option("--track", "track_path", type=_FILE, required=True, help="Track: CSV, GeoJSON or GPX.")
@_load_options
@click.option("--gcj02", is_flag=True, help="Track coordinates are GCJ-02 (Chinese web maps); convert them.")
@click.option("--sigma-m", type=float, default=None, help="GPS noise, metres (default: estimated from the track).")
@click.option("--radius-m", type=float, default=None, help="Candidate search radius, metres (default: 4 sigma).")
@_cache_option
@_plot_option
@click.option("--format", "fmt", type=click.Choice(["json", "geojson"]), default="json", show_default=True)
@_reasons_to_exit_2
def match(network_path: Path, track_path: Path, un_numbers: tuple[str, ...], catalogue: Path | None,
          packaged: bool, weight_t: float | None, height_m: float | None, hgv: bool, untagged_tunnel_category: str,
          gcj02: bool, sigma_m: float | None, radius_m: float | None, cache_dir: Path | None, plot: Path | None,
          fmt: str) -> None:
    """Map-match a track onto the network: the roads, tunnels and bridges driven; exit 1 when a road closed to
    the cargo was used."""
    from routing.match_report import match_document, match_geojson
    from routing.matching import MatchParameters, match_track, prepare_matching
    from routing.plot import check_plot_path, plot_match
    from routing.tracks import read_track

    if plot is not None:
        check_plot_path(plot)
    params = MatchParameters(sigma_m=sigma_m, radius_m=radius_m).validated()
    vehicle = _vehicle(weight_t, height_m, hgv)
    cargo = _cargo(un_numbers, catalogue, tank=not packaged)
    track = read_track(track_path, gcj02=gcj02)
    network = _network(network_path, cache_dir)
    result = match_track(prepare_matching(network), track, params)
    options = {"cargo": cargo, "vehicle": vehicle, "untagged_tunnel_category": untagged_tunnel_category}
    document = match_document(result, **options)
    if plot is not None:
        plot_match(plot, result, document)
    echo_json(document if fmt == "json" else match_geojson(result, **options))
    if document["closed_for_cargo"]:
        sys.exit(EXIT_FINDING)
