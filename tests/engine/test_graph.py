"""The flow as a DAG: entry points in any order, end points, fan-out, fan-in."""

from __future__ import annotations

from tests.helpers import step, validate_flow


def test_structure_of_the_game_mechanics_shape() -> None:
    flow = {
        "name": "gm",
        "steps": [
            step("sink", "test.collect", {"name": "s"}),
            step("left", "test.flag", next=["sink"]),
            step("right", "test.flag", next=["sink"], error=["errors"]),
            step("errors", "test.collect", {"name": "e"}),
            step("src", "test.source", {"records": []}, next=["left", "right"]),
        ],
    }
    validated = validate_flow(flow)
    assert validated.ok, [d.format() for d in validated.diagnostics]
    graph = validated.graph
    assert graph is not None
    assert graph.entry_points == ["src"]
    assert sorted(graph.end_points) == ["errors", "sink"]
    assert graph.fan_out == ["src"]
    assert graph.fan_in == ["sink"]
    order = graph.topological_order()
    assert order.index("src") < order.index("left") < order.index("sink")
    assert graph.successors("right", "error") == ["errors"]
    assert "-. error .->" in graph.to_mermaid()
    assert '"right" -> "errors" [style=dashed' in graph.to_dot()


def test_an_empty_flow_is_valid() -> None:
    validated = validate_flow({"name": "blank", "steps": []})
    assert validated.ok
    assert validated.graph is not None and validated.graph.entry_points == []
