"""JUnit XML for CI servers: one ``testsuite`` per test file, one ``testcase`` per case.

The shape is the common denominator Jenkins, GitLab and GitHub's test reporters read: ``failure`` for a case
whose expectations were not met, ``error`` for a test file that could not be loaded (its findings, FILE:LINE).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from dataflow.flowtest.model import TEST_SUFFIXES
from dataflow.flowtest.suite import FileResult


def write(results: list[FileResult], destination: Path) -> None:
    root = ElementTree.Element("testsuites", name="dataflow test")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for result in results:
        suite = ElementTree.SubElement(root, "testsuite", name=str(result.path))
        suite_name = _class_name(result.path)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if result.problems:
            case = ElementTree.SubElement(suite, "testcase", classname=suite_name, name="load", time="0")
            text = "\n".join(problem.format() for problem in result.problems)
            error = ElementTree.SubElement(case, "error", message=result.problems[0].format(), type="bad-test-file")
            error.text = text
            counts["tests"] += 1
            counts["errors"] += 1
        for case_result in result.cases:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=suite_name,
                name=case_result.name,
                time=f"{case_result.seconds:.3f}",
                file=str(result.path),
                line=str(case_result.line),
            )
            counts["tests"] += 1
            if case_result.failures:
                counts["failures"] += 1
                failure = ElementTree.SubElement(
                    case, "failure", message=case_result.failures[0].splitlines()[0], type="expectation"
                )
                failure.text = "\n\n".join(case_result.failures)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{result.seconds:.3f}")
        seconds += result.seconds
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ElementTree.indent(root)
    destination.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(root).write(destination, encoding="utf-8", xml_declaration=True)


def _class_name(path: Path) -> str:
    """``flows/local/x.test.yaml`` → ``flows.local.x``, as JUnit readers group by dotted class names."""
    name = path.name
    for suffix in TEST_SUFFIXES:
        name = name.removesuffix(suffix)
    parts = [part for part in path.parent.parts if part not in ("", ".", "/")]
    return ".".join([*parts, name]).replace("..", ".")
