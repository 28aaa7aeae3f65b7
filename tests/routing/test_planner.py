import networkx as nx
import pytest
import shapely
from shapely.geometry import Point

from routing._errors import NoRouteError, RoutingInputError
from routing.cargo import cargo_from_un
from routing.planner import permitted_edges, plan_route
from routing.projection import geometry_to_metric
from routing.restrictions import Vehicle

# Either side of the 复兴东路隧道 under the Huangpu: 复兴东路 in Puxi and 东昌路 area in Pudong.
PUXI = (121.4900, 31.2245)
PUDONG = (121.5170, 31.2312)


def _hazmat_no_edges(network, route):
    return int((network.edges.loc[route.edges, "hazmat"] == "no").sum())


def test_gasoline_avoids_the_hazmat_no_tunnel_which_the_unrestricted_plan_uses(shanghai, catalogue):
    free = plan_route(shanghai, PUXI, PUDONG)
    gasoline = plan_route(shanghai, PUXI, PUDONG, cargo=cargo_from_un(["UN1203"], catalogue))
    assert _hazmat_no_edges(shanghai, free) > 0  # the tunnel is the fastest way
    assert _hazmat_no_edges(shanghai, gasoline) == 0
    assert gasoline.travel_time_s > free.travel_time_s
    # Still a river crossing, through another tunnel that carries no restriction tag.
    names = set(shanghai.edges.loc[gasoline.edges, "name"].astype(str))
    assert any("隧道" in n and "复兴东路" not in n for n in names)


def test_route_is_continuous_and_consistent(shanghai, catalogue):
    route = plan_route(shanghai, PUXI, PUDONG, cargo=cargo_from_un(["1203"], catalogue))
    graph = shanghai.graph
    for (_, v, _), (u, _, _) in zip(route.edges[:-1], route.edges[1:]):
        assert v == u  # consecutive edges share a node
    assert all(graph.has_edge(u, v, k) for u, v, k in route.edges)
    metric = geometry_to_metric(route.geometry, shanghai.crs)
    assert metric.length == pytest.approx(route.length_m, rel=1e-6)
    full = shanghai.edges.loc[route.edges, "length"].sum()
    assert route.length_m <= full + 1  # first and last edges only partly used
    start, end = Point(route.geometry.coords[0]), Point(route.geometry.coords[-1])
    assert start.distance(Point(PUXI)) < 0.002 and end.distance(Point(PUDONG)) < 0.002
    assert route.snap_offsets_m[0] < 100 and route.snap_offsets_m[1] < 100
    feature = route.to_geojson()
    assert feature["geometry"]["type"] == "LineString" and feature["properties"]["osm_way_ids"]


def test_route_is_fastest_among_permitted_edges(shanghai):
    """Cross-check the planner against networkx on the same graph between two nodes."""
    route = plan_route(shanghai, PUXI, PUDONG)
    first, last = route.edges[1][0], route.edges[-1][0]
    expected = nx.shortest_path_length(shanghai.graph, first, last, weight="travel_time")
    inner = shanghai.edges.loc[route.edges[1:-1], "travel_time"].sum()
    assert inner == pytest.approx(expected, rel=1e-9)


def test_strict_tunnel_policy_leaves_no_permitted_crossing(shanghai, catalogue):
    # The extract has no Huangpu bridge: with every untagged tunnel treated as category E,
    # gasoline cannot cross.
    gasoline = cargo_from_un(["1203"], catalogue)
    with pytest.raises(NoRouteError, match="no permitted route"):
        plan_route(shanghai, PUXI, PUDONG, cargo=gasoline, untagged_tunnel_category="E")


def test_endpoints_snap_to_permitted_edges_not_the_closed_tunnel(shanghai, catalogue):
    # A point right above the tunnel's Pudong portal: its nearest edge is the closed tunnel deck.
    tunnel = shanghai.edges[shanghai.edges["hazmat"] == "no"].geometry.iloc[0]
    from routing.projection import geometry_to_wgs84
    mid = geometry_to_wgs84(tunnel.interpolate(0.5, normalized=True), shanghai.crs)
    gasoline = cargo_from_un(["1203"], catalogue)
    route = plan_route(shanghai, (mid.x, mid.y), PUXI, cargo=gasoline, max_snap_m=2000)
    assert _hazmat_no_edges(shanghai, route) == 0
    assert route.snap_offsets_m[0] > 0


def test_corridor_restricted_plan_stays_inside(shanghai, demo_corridor, corridor_line):
    start = corridor_line.interpolate(3000)
    end = corridor_line.interpolate(5500)
    from routing.projection import geometry_to_wgs84
    a, b = geometry_to_wgs84(start, shanghai.crs), geometry_to_wgs84(end, shanghai.crs)
    area = demo_corridor.area()
    route = plan_route(shanghai, (a.x, a.y), (b.x, b.y), corridor=area)
    assert shapely.covered_by(geometry_to_metric(route.geometry, shanghai.crs), area.buffer(1))
    mask = permitted_edges(shanghai, corridor=area)
    assert 0 < mask.sum() < len(mask) / 10


def test_heavy_vehicle_avoids_hgv_no_and_weight_limits(shanghai):
    route = plan_route(shanghai, PUXI, PUDONG, vehicle=Vehicle(weight_t=25.0))
    used = shanghai.edges.loc[route.edges]
    assert (used["hgv"] != "no").all()
    assert (used["maxweight"].isna()).all() or (used["maxweight"].astype(float) >= 25).all()


def test_disconnected_corridor_has_no_route(shanghai):
    ends = [geometry_to_metric(Point(*p), shanghai.crs).buffer(300) for p in (PUXI, PUDONG)]
    with pytest.raises(NoRouteError, match="no permitted route"):
        plan_route(shanghai, PUXI, PUDONG, corridor=shapely.union_all(ends))


@pytest.mark.parametrize(("origin", "message"), [
    ((121.0, 31.2), "outside the network"),
    ((-121.49, 31.22), "outside the network"),       # western hemisphere
    ((121.49, -31.22), "outside the network"),       # southern hemisphere
    ((float("nan"), 31.22), "non-finite"),
    ((121.49, 91.0), "out of range"),
])
def test_bad_endpoints(shanghai, origin, message):
    with pytest.raises(RoutingInputError, match=message):
        plan_route(shanghai, origin, PUDONG)


def test_endpoint_far_from_any_permitted_road(shanghai):
    with pytest.raises(RoutingInputError, match="from the nearest permitted road"):
        plan_route(shanghai, PUXI, PUDONG, max_snap_m=1.0)


def test_avoid_closes_every_edge_touching_the_area(shanghai):
    """An incident's zones (here a 300 m circle on the fastest route's midpoint) close their roads: the route
    planned around them touches none, and is longer."""
    start, end = (121.43, 31.20), (121.50, 31.20)
    fastest = plan_route(shanghai, start, end)
    middle = fastest.geometry.interpolate(0.5, normalized=True)
    area = geometry_to_metric(middle, shanghai.crs).buffer(300)
    assert geometry_to_metric(fastest.geometry, shanghai.crs).intersects(area)
    detour = plan_route(shanghai, start, end, avoid=area)
    assert not geometry_to_metric(detour.geometry, shanghai.crs).intersects(area)
    assert detour.travel_time_s > fastest.travel_time_s
    closed = permitted_edges(shanghai, avoid=area)
    assert not shapely.intersects(shanghai.edges.geometry.values[closed], area).any()
