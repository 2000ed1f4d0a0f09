"""``dataflow test [PATH...]``: run flow unit tests (``*.test.yaml`` beside flows) with services spliced out.

Exit 0 when every case passed, 1 when any failed, 2 when a test file could not be loaded (its findings say
FILE:LINE); the cases of the other files still run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataflow.cli.commands import UsageError
from dataflow.flowtest import junit
from dataflow.flowtest.suite import FileResult, discover, run_file
from dataflow.flowtest.update import UpdateError


def add_parser(commands: argparse._SubParsersAction) -> None:
    test = commands.add_parser(
        "test", help="run flow unit tests (*.test.yaml); exit 0 passed, 1 failed, 2 bad test file"
    )
    test.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="test files or directories (default .)")
    test.add_argument("-k", dest="pattern", metavar="TEXT", help="run only the cases whose name contains TEXT")
    test.add_argument("--update", action="store_true", help="rewrite the expectations with what the steps emit")
    test.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    test.add_argument("-q", "--quiet", action="store_true", help="print failures and the summary only")


def run(args: argparse.Namespace) -> int:
    files = discover(args.paths)
    if not files:
        raise UsageError(f"no test files (*.test.yaml) found in {' '.join(args.paths)}")
    pattern = args.pattern or ""
    results: list[FileResult] = []
    for path in files:
        try:
            result = run_file(path, lambda name: pattern in name, rewrite=args.update)
        except UpdateError as problem:
            print(f"dataflow test: {problem}", file=sys.stderr)
            return 2
        results.append(result)
        _print_file(result, args.quiet)
    if args.junit:
        junit.write(results, Path(args.junit))
    return _summary(results)


def _print_file(result: FileResult, quiet: bool) -> None:
    for problem in result.problems:
        print(problem.format())
    for case in result.cases:
        where = f"{result.path}:{case.line}"
        if case.failures:
            print(f"FAIL {where} {case.name}")
            for failure in case.failures:
                print("  " + failure.replace("\n", "\n  "))
        elif not quiet:
            note = f" (updated {case.updated} expectation(s))" if case.updated else ""
            print(f"ok   {where} {case.name}{note}")


def _summary(results: list[FileResult]) -> int:
    cases = [case for result in results for case in result.cases]
    failed = sum(1 for case in cases if case.failures)
    bad = sum(1 for result in results if result.problems)
    updated = sum(case.updated for case in cases)
    parts = [f"{len(cases) - failed} of {len(cases)} case(s) passed in {len(results)} file(s)"]
    if failed:
        parts.append(f"{failed} failed")
    if bad:
        parts.append(f"{bad} test file(s) could not be loaded")
    if updated:
        parts.append(f"{updated} expectation(s) updated")
    print("dataflow test: " + "; ".join(parts))
    if bad:
        return 2
    return 1 if failed else 0
