"""The flow's DAG drawn as inline SVG on the server: steps in layers from the entry points down, success edges
solid, error edges dashed and red. No drawing library in the browser, so the console needs no build step."""

from __future__ import annotations

from html import escape

import networkx as nx

from dataflow.graph import FlowGraph
from dataflow.model import Dataflow

NODE_WIDTH, NODE_HEIGHT = 190, 44
GAP_X, GAP_Y = 30, 46
MARGIN = 12


def layers(graph: FlowGraph) -> list[list[str]]:
    """Steps grouped by depth: each step one layer below the deepest step that feeds it (cycles: by BFS)."""
    plain = nx.DiGraph(graph.graph)
    if nx.is_directed_acyclic_graph(plain):
        return [list(generation) for generation in nx.topological_generations(plain)]
    depth: dict[str, int] = {}
    frontier = graph.entry_points or list(plain.nodes)[:1]
    for node in frontier:
        depth[node] = 0
    while frontier:
        following = []
        for node in frontier:
            for target in plain.successors(node):
                if target not in depth:
                    depth[target] = depth[node] + 1
                    following.append(target)
        frontier = following
    last = max(depth.values(), default=-1) + 1
    for node in plain.nodes:
        depth.setdefault(node, last)
    grouped: dict[int, list[str]] = {}
    for node in plain.nodes:
        grouped.setdefault(depth[node], []).append(node)
    return [grouped[key] for key in sorted(grouped)]


def draw(flow: Dataflow, marked: frozenset[str] = frozenset()) -> str:
    """SVG markup of the flow; ``marked`` steps (those with findings) get a red outline."""
    graph = FlowGraph(flow)
    rows = layers(graph)
    if not rows:
        return '<p class="muted">no steps yet</p>'
    widest = max(len(row) for row in rows)
    width = MARGIN * 2 + widest * NODE_WIDTH + (widest - 1) * GAP_X
    height = MARGIN * 2 + len(rows) * NODE_HEIGHT + (len(rows) - 1) * GAP_Y
    where: dict[str, tuple[float, float]] = {}
    for depth, row in enumerate(rows):
        row_width = len(row) * NODE_WIDTH + (len(row) - 1) * GAP_X
        left = (width - row_width) / 2
        for index, node in enumerate(row):
            where[node] = (left + index * (NODE_WIDTH + GAP_X), MARGIN + depth * (NODE_HEIGHT + GAP_Y))
    parts = [
        f'<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="dataflow graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>',
    ]
    for source, target, path in graph.graph.edges(keys=True):
        parts.append(_edge(where[source], where[target], path))
    types = dict(graph.graph.nodes(data="type"))
    for node, (x, y) in where.items():
        parts.append(_node(node, types.get(node) or "", x, y, node in marked))
    parts.append("</svg>")
    return "".join(parts)


def _edge(start: tuple[float, float], end: tuple[float, float], path: str) -> str:
    x1, y1 = start[0] + NODE_WIDTH / 2, start[1] + NODE_HEIGHT
    x2, y2 = end[0] + NODE_WIDTH / 2, end[1]
    if path == "error":
        x1, x2 = x1 + 18, x2 + 18
    if y2 <= y1:  # a back edge (a cycle): go round the side
        y1, y2 = start[1] + NODE_HEIGHT / 2, end[1] + NODE_HEIGHT / 2
        x1 = x2 = max(start[0], end[0]) + NODE_WIDTH
    bend = max(abs(y2 - y1) / 2, 20)
    css = "edge error" if path == "error" else "edge next"
    return (
        f'<path class="{css}" data-path="{path}" d="M {x1:.0f} {y1:.0f} C {x1:.0f} {y1 + bend:.0f} '
        f'{x2:.0f} {y2 - bend:.0f} {x2:.0f} {y2:.0f}" marker-end="url(#arrow)"><title>{path}</title></path>'
    )


def _node(step_id: str, step_type: str, x: float, y: float, marked: bool) -> str:
    css = "step marked" if marked else "step"
    return (
        f'<g class="{css}" data-step="{escape(step_id)}" transform="translate({x:.0f},{y:.0f})">'
        f"<title>{escape(step_id)} ({escape(step_type)})</title>"
        f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6"/>'
        f'<text x="10" y="18" class="id">{escape(_short(step_id, 26))}</text>'
        f'<text x="10" y="34" class="type">{escape(_short(step_type, 30))}</text></g>'
    )


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
