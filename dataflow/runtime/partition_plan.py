"""Which part of a job's DAG can run split into partitions, and into which partitions.

The engine decides, not the executor: the executor only runs what this plan says. Each reader's *region* is
every step its records or files reach, stopping at formatters (a formatter's files go on to the driver, which
joins what the partitions wrote into what one run writes). A partition is one reader reading one of its parts
(``Reader.partitions``) through that reader's region.

The job runs as one partition instead (the whole DAG on one worker) when splitting could change what it does:
a ``--limit`` (the first N records of one stream), a step in a region that may keep state across items
(``Component.partition_problem``), a step fed both from inside a region and from the driver, or no reader that
splits into more than one part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dataflow.component import Component, Formatter
from dataflow.graph import FlowGraph


@dataclass(frozen=True)
class Plan:
    region: frozenset[str]  # steps that run on the workers
    tasks: list[tuple[str | None, Any]]  # (reader, part); (None, None) is the whole job as one partition
    joined: list[str] = field(default_factory=list)  # formatters whose files the driver joins, in order
    reason: str | None = None  # why the job is not split (None when it is)

    @property
    def whole(self) -> bool:
        return self.reason is not None


def whole_job(graph: FlowGraph, reason: str) -> Plan:
    return Plan(frozenset(graph.graph.nodes), [(None, None)], [], reason)


def region_of(graph: FlowGraph, components: Mapping[str, Component], reader: str) -> set[str]:
    """``reader`` and every step downstream of it, not going past a formatter's files (only its error path)."""
    region = {reader}
    pending = [reader]
    while pending:
        step_id = pending.pop()
        paths = ("error",) if isinstance(components[step_id], Formatter) else ("next", "error")
        for path in paths:
            for target in graph.successors(step_id, path):
                if target not in region:
                    region.add(target)
                    pending.append(target)
    return region


def plan(
    graph: FlowGraph,
    components: Mapping[str, Component],
    limit: int | None,
    parts_of: Callable[[str], list[Any] | None],
) -> Plan:
    """The plan for one job; ``parts_of(reader)`` asks an opened reader how it splits (``Reader.partitions``)."""
    if limit is not None:
        return whole_job(graph, "--limit counts the first records of one stream")
    order = [step_id for step_id in graph.topological_order() if step_id in components]
    readers = [step_id for step_id in order if components[step_id].consumes is None]
    region: set[str] = set()
    for reader in readers:
        region |= region_of(graph, components, reader)
    for step_id in order:
        if step_id not in region:
            continue
        component = components[step_id]
        problem = type(component).partition_problem(component.params)
        if problem:
            step = f"step '{step_id}' ({component.context.step_type})"
            return whole_job(graph, f"{step} cannot run in partitions: {problem}")
        outside = [source for source in graph.predecessors(step_id) if source not in region]
        if outside:
            return whole_job(graph, f"step '{step_id}' is fed from outside the partitioned part of the flow")
    joined = []
    for step_id in order:
        if step_id in region and isinstance(components[step_id], Formatter):
            if any(target in region for target in graph.successors(step_id, "next")):
                return whole_job(graph, f"the files of step '{step_id}' go on to steps that run in partitions")
            joined.append(step_id)
    tasks: list[tuple[str | None, Any]] = []
    for reader in readers:
        parts = parts_of(reader) or [None]
        tasks.extend((reader, part) for part in parts)
    if len(tasks) < 2:
        return whole_job(graph, "no reader splits its read into several parts")
    return Plan(frozenset(region), tasks, joined)
