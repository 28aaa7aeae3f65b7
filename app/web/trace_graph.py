"""A batch's chain as a picture: a layered left-to-right graph of batches, transformations, the sites each
batch was held at and the waybills (transit accounts) it travelled on, drawn as SVG.

Each batch has its own place nodes (the same site appears once per batch that stayed there), so the custody of
every batch reads as a path from its batch node: produced → sites and waybills → consumed, disposed or used in
a transformation, whose outputs start new paths. Layers are the longest path from a source; nodes within a
layer are ordered by the mean position of their predecessors (one barycentre sweep keeps crossings few).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from app.services.ledger.trace import Trace, TracedEntry
from models import Account, AccountKind, LineageRole

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 168.0, 46.0, 64.0, 18.0, 16.0
#: Beyond this many nodes the picture stops being readable; the page then shows only the tables.
MAX_NODES = 300


@dataclass
class Node:
    key: tuple[object, ...]
    kind: str  # batch, root, transformation, site, waybill, end
    title: str
    detail: str = ""
    link: tuple[str, dict[str, str]] | None = None  # endpoint and its values
    layer: int = 0
    x: float = 0.0
    y: float = 0.0


@dataclass
class Edge:
    source: tuple[object, ...]
    target: tuple[object, ...]
    kg: Decimal = Decimal(0)
    d: str = ""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class Graph:
    nodes: dict[tuple[object, ...], Node] = field(default_factory=dict)
    edges: dict[tuple[tuple[object, ...], tuple[object, ...]], Edge] = field(default_factory=dict)
    width: float = 0.0
    height: float = 0.0

    def node(self, key: tuple[object, ...], kind: str, title: str, detail: str = "",
             link: tuple[str, dict[str, str]] | None = None) -> tuple[object, ...]:
        self.nodes.setdefault(key, Node(key, kind, title, detail, link))
        return key

    def connect(self, source: tuple[object, ...], target: tuple[object, ...], kg: Decimal) -> None:
        self.edges.setdefault((source, target), Edge(source, target)).kg += kg


def _place(graph: Graph, batch_id: str, account: Account) -> tuple[object, ...]:
    if account.kind is AccountKind.TRANSIT:
        link = ("web.waybill", {"waybill_id": str(account.waybill_id)}) if account.waybill_id else None
        return graph.node(("place", batch_id, account.id), "waybill", account.reference or "", account.enterprise.name,
                          link)
    site = account.site.name if account.site else ""
    return graph.node(("place", batch_id, account.id), "site", site, account.enterprise.name)


def _add_entry(graph: Graph, result: Trace, entry: TracedEntry, batch: tuple[object, ...]) -> None:
    source, target = result.accounts[entry.from_account_id], result.accounts[entry.to_account_id]
    kg = Decimal(entry.grams).scaleb(-3)
    if entry.transformation_id is not None:
        hub = graph.node(("transformation", entry.transformation_id), "transformation", entry.kind,
                         entry.document_ref or entry.occurred_at[:10])
        if entry.lineage_role == LineageRole.INPUT.value:
            graph.connect(_place(graph, entry.batch_id, source), hub, kg)
        else:
            graph.connect(hub, batch, kg)
            graph.connect(batch, _place(graph, entry.batch_id, target), kg)
        return
    start = batch if not source.holds_stock else _place(graph, entry.batch_id, source)
    if target.holds_stock:
        end = _place(graph, entry.batch_id, target)
    else:
        boundary = target.boundary.value if target.boundary else "out"
        end = graph.node(("end", entry.batch_id, boundary), "end", boundary)
    graph.connect(start, end, kg)


def build(result: Trace) -> Graph | None:
    """The graph of *result* laid out, or ``None`` when it would be too large to read."""
    graph = Graph()
    codes = Counter(batch.code for batch in result.batches.values())
    for batch in sorted(result.batches.values(), key=lambda b: (b.produced_at, b.code)):
        kind = "root" if batch.key == result.root.key else "batch"
        # Lots of several producers sharing a code in one chain are told apart by their producer.
        detail = " · ".join(filter(None, (batch.chemical_name, batch.producer_name if codes[batch.code] > 1 else "")))
        graph.node(("batch", batch.key), kind, batch.code, detail,
                   ("web.trace_batch", {"code": batch.code, "producer": batch.producer_id}))
    for entry in result.entries:
        _add_entry(graph, result, entry, ("batch", entry.batch_id))
    if len(graph.nodes) > MAX_NODES:
        return None
    _layout(graph)
    return graph


def _layers(graph: Graph) -> None:
    """Longest-path layering, ignoring edges that close a cycle (found by a depth-first search)."""
    successors: dict[tuple[object, ...], list[tuple[object, ...]]] = defaultdict(list)
    for source, target in graph.edges:
        successors[source].append(target)
    state: dict[tuple[object, ...], int] = {}
    order: list[tuple[object, ...]] = []
    back: set[tuple[tuple[object, ...], tuple[object, ...]]] = set()

    def visit(start: tuple[object, ...]) -> None:
        stack = [(start, iter(successors[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))

    for key in graph.nodes:
        if key not in state:
            visit(key)
    for node in reversed(order):  # topological order
        for child in successors[node]:
            if (node, child) not in back:
                graph.nodes[child].layer = max(graph.nodes[child].layer, graph.nodes[node].layer + 1)


def _layout(graph: Graph) -> None:
    _layers(graph)
    columns: dict[int, list[Node]] = defaultdict(list)
    for node in graph.nodes.values():
        columns[node.layer].append(node)
    rank: dict[tuple[object, ...], float] = {}
    parents: dict[tuple[object, ...], list[tuple[object, ...]]] = defaultdict(list)
    for source, target in graph.edges:
        parents[target].append(source)
    for layer in sorted(columns):
        nodes = columns[layer]
        nodes.sort(key=lambda n: (sum(rank.get(p, 0.0) for p in parents[n.key]) / max(len(parents[n.key]), 1)))
        for index, node in enumerate(nodes):
            rank[node.key] = index
            node.x = PAD + layer * (NODE_W + GAP_X)
            node.y = PAD + index * (NODE_H + GAP_Y)
    graph.width = PAD * 2 + (max(columns) + 1) * (NODE_W + GAP_X) - GAP_X
    graph.height = PAD * 2 + max(len(c) for c in columns.values()) * (NODE_H + GAP_Y) - GAP_Y
    for edge in graph.edges.values():
        a, b = graph.nodes[edge.source], graph.nodes[edge.target]
        x1, y1, x2, y2 = a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2
        if x2 <= x1:  # an edge closing a cycle goes back: loop under the nodes
            low = max(a.y, b.y) + NODE_H + GAP_Y / 2
            edge.d = f"M{x1:.0f} {y1:.0f} C{x1 + 40:.0f} {low:.0f} {x2 - 40:.0f} {low:.0f} {x2:.0f} {y2:.0f}"
        else:
            middle = (x1 + x2) / 2
            edge.d = f"M{x1:.0f} {y1:.0f} C{middle:.0f} {y1:.0f} {middle:.0f} {y2:.0f} {x2:.0f} {y2:.0f}"
        edge.label_x, edge.label_y = (x1 + x2) / 2, (y1 + y2) / 2 - 4
