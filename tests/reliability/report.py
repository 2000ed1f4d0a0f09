"""Writes docs/reliability.md and docs/reliability.json from a run of the reliability suites.

    .venv/bin/python -m tests.reliability.report            # runs tests/reliability (default set), writes both
    .venv/bin/python -m tests.reliability.report --figures F # renders from a figures file a run already wrote

The suites use fixed seeds and fixed sizes, so a passing run always gives the same figures and the same doc;
``test_report.py`` checks that the committed doc matches the cases the suites declare. What varies between
runs (how many faults were injected, say) is printed here and kept out of the doc.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.reliability.figures import FIGURES_ENV, Case, declared

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
FIGURES = ROOT / "docs" / "reliability.json"
SUITE_MODULES = (
    "tests.reliability.test_faults",
    "tests.reliability.test_kill9",
    "tests.reliability.test_fuzz_flows",
    "tests.reliability.test_fuzz_records",
    "tests.reliability.test_secrets",
    "tests.reliability.test_hostile_xml",
    "tests.reliability.test_hostile_files",
    "tests.reliability.test_hostile_scripts",
)
SUITES: dict[str, str] = {
    "faults": (
        "The shipped Silverpop sample flows and the Gigya writers run against both sandboxes failing 20% and 50% "
        "of calls: transient error answers (Gigya 403048/500001/504001, Silverpop HTTP 503), connections dropped "
        "before the call, answers lost after the call was carried out (the fault that punishes retrying a call that "
        "creates something), and Silverpop access tokens revoked early. Checked in the sandboxes' own stores: every "
        "record arrives exactly once (count and distinct keys), the job succeeds and the counters reconcile. At 50% "
        "the flows set `maxRetries: 30` (a call then fails for good once in 2^31); at 20% the default 10 is enough. "
        "The inbound case compares every account with the same run on fault-free sandboxes. Found and fixed: "
        "`accounts.importFullAccount` without a UID and `ds.store` without an oid created a second account or "
        "object when an answer was lost (the steps now name what they create)."
    ),
    "kill -9": (
        "Two stored flows (Gigya delta read -> CSV -> local directory) share one DATAFLOW_HOME; `dataflow run NAME` "
        "runs in its own process and is killed with SIGKILL at a seeded point after it claimed its job (reading, "
        "formatting, writing or recording the outcome), ten times per flow, the two flows at once. After every kill: "
        "state.db passes `PRAGMA integrity_check`; every file under its final name is byte for byte what its job "
        "formatted (writers land files under a temporary name and rename them); the watermark is never later than "
        "a change no output file holds; the next run claims the flow and marks the killed job failed. A last clean "
        "run delivers every change made. Nothing needed fixing."
    ),
    "fuzz: flow files": (
        "`dataflow validate` on broken flow files: the shipped sample flows mutated by a seeded generator "
        "(`tests/reliability/mutations.py`: values of the wrong type, nulls, 1 MB strings, removed keys, duplicate "
        "step ids, cycles, dangling and malformed edges, unknown types and params, bad placeholders, chains of "
        "1,000 steps; then truncation, stray bytes, NUL, invalid UTF-8, UTF-16) and hand-written hostile documents "
        "(100,000-deep nesting, YAML alias bombs, recursive aliases, merge keys and Python tags, a 20 MB string, a "
        "100,000-digit number, binary files). Holds when validate returns 0, or 1 with every line "
        "`FILE:LINE:COL: message`, and never a traceback (its output is written as a terminal would take it: strict "
        "UTF-8). Found and fixed: a lone surrogate escape (`\\udfff`) loaded and then crashed the printing of the "
        "finding that named it."
    ),
    "fuzz: malformed records": (
        "Seeded CSV and JSON files mixing good rows with ragged rows, invalid UTF-8, stray and unclosed quotes, "
        "broken JSON lines, JSON lines that are not objects, and JSON arrays broken part-way, parsed in real jobs "
        "with the failures going down the error path in one job and into the error file in the other. Every row is "
        "accounted for: a good row comes out whole, a bad row fails with its reason and line, no row vanishes, the "
        "counters reconcile. Found and fixed: an unclosed quote swallowed the following rows into one field, which "
        "came out as a record when a later quote closed it (CSV quoting is now read strictly and each unreadable "
        "stretch fails with its line range, reading going on after it)."
    ),
    "secrets": (
        "The outbound sample flow stored with `dataflow flows add` (its secrets `${env:...}`, as shipped) and run by "
        "name at each log level, an SFTP -> PGP -> SFTP flow with the password, private key and passphrase written "
        "into the flow file, the same flow created and run through `dataflow serve` (credentials as `${env:...}` in "
        "the server's environment), three failing runs (Gigya unreachable, SFTP password refused, refresh token "
        "refused) and a flow with secrets of the wrong type. Every output is scanned for every credential (as "
        "written, URL-encoded, Base64): each run's stdout, stderr, status.json, error file and `jobs show` (text and "
        "JSON); `flows add`, `flows show`, `flows list`, `jobs`, state.db and its WAL as raw bytes, every other file "
        "under DATAFLOW_HOME, what `validate` and `run` print for the mistyped flow, the API's idx.getDataflow and "
        "idx.search over dataflows, schedulings and job statuses, and the server's log. The Gigya apiKey and "
        "userKey, the Silverpop clientId and the SFTP username are identifiers, shown on purpose. Found and fixed: a "
        "secret param of the wrong type (a password written as a number) was echoed in the validation finding, and "
        "`flows show` printed secrets written into a stored flow (it now masks writeOnly params as the API does). "
        "state.db keeps a stored flow as written (it must, to run it), so stored flows should take secrets as "
        "`${env:...}`; it also keeps the API sites' secrets (HMAC signatures need them). Adding an output to the "
        "scan is one entry in `outputs()`."
    ),
    "hostile input: XML": (
        "The only XML the engine parses is the Silverpop XML API's answers (defusedxml). A loopback stand-in answers "
        "every call of a Silverpop reader with a hostile document; the Silverpop sandbox gets the same documents as "
        "requests. XXE (a local file, a URL), a parameter entity with an external DTD, an external DTD, XInclude, "
        "billion laughs, the quadratic blow-up and 100,000-deep nesting: entity declarations are refused, nothing "
        "is fetched or read, the job fails with the reason. Found and fixed: an answer that parsed harmlessly but "
        "carried no job status made the reader poll GetJobStatus for four hours."
    ),
    "hostile input: files": (
        "File-name params (`fileName` of every formatter — DSV, JSON, JSON lines, Krux, AAM — and of "
        "file.compress.zip) with `../`, absolute paths, `.`, `..`, backslashes, `~`, NUL and `/dev/null`, into a "
        "local directory, onto an SFTP server and onto an FTP server; `fileNameRegex` patterns naming `..` and "
        "absolute paths; zip members that climb out (zip-slip); gzip, zip and LZO bombs, one zip whose headers lie "
        "about its size, against `maxUncompressedSize`; SFTP servers whose host key is not the configured one. The "
        "whole test directory (and the servers' roots) are compared before and after. Found and fixed: "
        "`fileName: .` made the local writer put its temporary file in the target's parent directory."
    ),
    "hostile input: scripts and expressions": (
        "record.evaluate (QuickJS) with infinite loops, unbounded recursion, memory bombs, and every way out a "
        "script might try (require, import, std/os, fetch, XMLHttpRequest, process, Deno, WebAssembly, eval, the "
        "Function constructor, Atomics.wait, prototype pollution); field.evaluate (JEXL) with the ways into Python "
        "(`__class__`, `__globals__`, getattr, `__import__`, eval), Java reflection, and growth (huge products, a "
        "field replaced by itself). The hostile record fails with its reason (or yields a plain value), the others "
        "pass unchanged, nothing reaches the disk or the network. Found and fixed: `s.replace('a', s)` on a "
        "100,000-character field asked for a 10-billion-character string; JEXL texts are now capped at 16M "
        "characters before they are built. Authors' regexes (field.replace; JEXL `=~`, `matches`, `replaceAll`, "
        "`split`, and a pattern taken from a field) with catastrophic backtracking, `(a|aa)+$` on 40 a's and a `!`: "
        "found and fixed: Python's `re` cannot be interrupted, so one such value held the job for hours; a pattern "
        "whose shape can backtrack exponentially now runs on the `regex` module with a time limit per value "
        "(2 s; 0.2 s in the suite) and fails that record with the reason."
    ),
}


def _all_cases() -> list[Case]:
    """Every declared case, suites in the order of ``SUITES`` whatever order their modules were imported in."""
    for module in SUITE_MODULES:
        importlib.import_module(module)
    order = list(SUITES)
    return sorted(declared(), key=lambda case: order.index(case.suite))


def load_suites() -> list[Case]:
    """Import every suite module (declaring its cases) and return the cases of the default run, in order."""
    return [case for case in _all_cases() if not case.slow]


def long_cases() -> list[Case]:
    return [case for case in _all_cases() if case.slow]


def collect(path: Path) -> dict[str, dict[str, Any]]:
    """The last figures recorded per case in a figures file (JSON lines)."""
    found: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            found[f"{entry['suite']}/{entry['name']}"] = entry
    return found


def figures_document(cases: list[Case], recorded: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for case in cases:
        entry = recorded.get(case.key)
        rows.append(
            {
                "suite": case.suite,
                "case": case.name,
                "unit": case.unit,
                "checks": case.checks,
                "tried": case.tried,
                "held": None if entry is None else entry["held"],
            }
        )
    return {"generatedBy": "python -m tests.reliability.report", "cases": rows}


def render(document: dict[str, Any], long: list[Case]) -> str:
    rows: list[dict[str, Any]] = document["cases"]
    lines = [
        "# Reliability and security suites",
        "",
        "What the engine promises under faults, crashes, malformed input, hostile input and with secrets, as suites "
        "that run with the tests (`tests/reliability/`). This page is generated from a run of those suites by "
        "`python -m tests.reliability.report` (which also writes `docs/reliability.json`); do not edit it by hand. "
        "Seeds and sizes are fixed, so a passing run always gives these figures, and `test_report.py` fails when a "
        "case is added, removed or resized without regenerating the page.",
        "",
        "**tried** is how many units a case puts through (records, kills, files, payloads ...); **held** how many of "
        "them came out as promised. A case whose held is below tried fails its test.",
        "",
        "## Summary",
        "",
        "| suite | cases | tried | held |",
        "|---|---:|---:|---:|",
    ]
    for suite in _suites(rows):
        mine = [row for row in rows if row["suite"] == suite]
        tried = sum(row["tried"] for row in mine)
        held = sum(row["held"] or 0 for row in mine)
        lines.append(f"| [{suite}](#{_anchor(suite)}) | {len(mine)} | {tried:,} | {held:,} |")
    for suite in _suites(rows):
        lines += ["", f"## {suite}", "", SUITES.get(suite, ""), "", "| case | tried | held | unit: holds when |"]
        lines.append("|---|---:|---:|---|")
        for row in (row for row in rows if row["suite"] == suite):
            held = "not run" if row["held"] is None else f"{row['held']:,}"
            lines.append(f"| {row['case']} | {row['tried']:,} | {held} | {row['unit']}: {row['checks']} |")
    lines += [
        "",
        "## Running them",
        "",
        "The default run (`.venv/bin/python -m pytest -q`) includes every case above. The long versions are marked "
        "`slow` and run with `.venv/bin/python -m pytest -q -m slow tests/reliability`:",
        "",
        "| suite | long case | tried |",
        "|---|---|---:|",
    ]
    lines += [f"| {case.suite} | {case.name} | {case.tried:,} {case.unit} |" for case in long]
    lines += [
        "",
        "To regenerate this page after changing a suite: `.venv/bin/python -m tests.reliability.report`.",
        "",
    ]
    return "\n".join(lines)


def _anchor(title: str) -> str:
    """The id a Markdown renderer (GitHub's rule) gives a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def _suites(rows: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        if row["suite"] not in seen:
            seen.append(row["suite"])
    return seen


def run_suites(target: Path) -> int:
    environ = {**os.environ, FIGURES_ENV: str(target)}
    suites = ROOT / "tests" / "reliability"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suites)]
    command.append(f"--ignore={suites / 'test_report.py'}")  # it checks the very files this run rewrites
    return subprocess.run(command, cwd=ROOT, env=environ, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.report", description=__doc__)
    parser.add_argument("--figures", type=Path, help="render from this figures file instead of running the suites")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        figures = args.figures
        outcome = 0
        if figures is None:
            figures = Path(scratch) / "figures.jsonl"
            figures.touch()
            outcome = run_suites(figures)
        recorded = collect(figures)
    cases = load_suites()
    document = figures_document(cases, recorded)
    FIGURES.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    DOC.write_text(render(document, long_cases()), encoding="utf-8")
    for key, entry in sorted(recorded.items()):
        if entry.get("observed"):
            print(f"{key}: {entry['held']}/{entry['tried']} held; observed {entry['observed']}")
    short = [row for row in document["cases"] if row["held"] != row["tried"]]
    for row in short:
        print(f"NOT HELD: {row['suite']}/{row['case']}: {row['held']} of {row['tried']}", file=sys.stderr)
    print(f"wrote {DOC.relative_to(ROOT)} and {FIGURES.relative_to(ROOT)}")
    return 1 if short or outcome else 0


if __name__ == "__main__":
    sys.exit(main())
