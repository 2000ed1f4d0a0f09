"""The dataflow as a networkx DAG: entry points, end points, fan-out, fan-in, and drawings of it.

Edges carry the path they belong to: ``next`` (success) or ``error`` (failed items). Entry points are the
steps that no ``next`` or ``error`` list names; steps may be listed in any order in the file.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from dataflow.model import Dataflow

PATHS = ("next", "error")


class FlowGraph:
    def __init__(self, flow: Dataflow) -> None:
        self.flow = flow
        self.graph = nx.MultiDiGraph()
        for step in flow.steps:
            self.graph.add_node(step.id, type=step.type)
        known = set(self.graph.nodes)
        for step in flow.steps:
            for path in PATHS:
                for target in getattr(step, path):
                    if target in known:
                        self.graph.add_edge(step.id, target, key=path, path=path)

    # structure ---------------------------------------------------------------------------------------
    @property
    def entry_points(self) -> list[str]:
        return [node for node in self.graph.nodes if self.graph.in_degree(node) == 0]

    @property
    def end_points(self) -> list[str]:
        return [node for node in self.graph.nodes if not self.successors(node, "next")]

    @property
    def fan_out(self) -> list[str]:
        return [node for node in self.graph.nodes if len(self.successors(node, "next")) > 1]

    @property
    def fan_in(self) -> list[str]:
        return [node for node in self.graph.nodes if len(set(self.graph.predecessors(node))) > 1]

    def successors(self, node: str, path: str) -> list[str]:
        return [target for _, target, key in self.graph.out_edges(node, keys=True) if key == path]

    def predecessors(self, node: str) -> list[str]:
        return list(dict.fromkeys(self.graph.predecessors(node)))

    def cycles(self) -> list[list[str]]:
        return [list(cycle) for cycle in nx.simple_cycles(nx.DiGraph(self.graph))]

    def unreachable(self) -> list[str]:
        reached: set[str] = set()
        for entry in self.entry_points:
            reached.add(entry)
            reached.update(nx.descendants(self.graph, entry))
        return [node for node in self.graph.nodes if node not in reached]

    def topological_order(self) -> list[str]:
        return list(nx.topological_sort(self.graph))

    # drawings ------------------------------------------------------------------------------------------
    def to_mermaid(self) -> str:
        ids = {node: f"s{index}" for index, node in enumerate(self.graph.nodes)}
        lines = ["flowchart LR"]
        for node, data in self.graph.nodes(data=True):
            label = _mermaid_text(f"{node}<br/><small>{data['type']}</small>")
            lines.append(f'    {ids[node]}["{label}"]')
        for source, target, key in self.graph.edges(keys=True):
            arrow = "-->" if key == "next" else "-. error .->"
            lines.append(f"    {ids[source]} {arrow} {ids[target]}")
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        lines = [
            f"digraph {_dot_id(self.flow.name or 'dataflow')} {{",
            "    rankdir=LR;",
            "    node [shape=box];",
        ]
        for node, data in self.graph.nodes(data=True):
            lines.append(f"    {_dot_id(node)} [label={_dot_id(node + chr(10) + data['type'])}];")
        for source, target, key in self.graph.edges(keys=True):
            style = "" if key == "next" else ' [style=dashed, color=red, label="error"]'
            lines.append(f"    {_dot_id(source)} -> {_dot_id(target)}{style};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def _dot_id(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def describe(nodes: Iterable[str]) -> str:
    return ", ".join(f"'{node}'" for node in nodes)
