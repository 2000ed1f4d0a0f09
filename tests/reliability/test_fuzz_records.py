"""Fuzz: malformed records through file.parse.dsv and file.parse.json, in real jobs.

Seeded files mix good rows with bad ones: ragged rows (too few or too many fields), invalid UTF-8, stray and
unclosed quotes, broken JSON lines, JSON lines that are not objects, and JSON arrays broken part-way. Every row
carries a marker (``k<n>``). A job reads the files, parses them, and writes what came out and what failed (down
the parser's ``error`` path, or — in every other job — into the job's error file) for the test to compare with
what it wrote:

- a good row comes out as exactly the record it was written as (unless a broken quote before it swallowed it);
- a bad row never comes out as a record: it is among the failures, with a reason;
- every row's marker is somewhere in what came out or failed: nothing silently dropped;
- the parser's counters reconcile (rows in = records out + failures).

A JSON array broken part-way cannot be read past the break: there the unit is the file, which holds when the
items before the break come out and one failure names the break with the count of items before it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.gigya.conftest import run_flow
from tests.reliability.figures import Case, check, declare
from tests.reliability.services import reconcile

SUITE = "fuzz: malformed records"
FILES, ROWS = 12, 60
HOLDS_ROW = "a good row comes out whole, a bad row fails with a reason, no marker is lost, the counters reconcile"
DSV = declare(SUITE, "file.parse.dsv rows (seed 31)", FILES * ROWS, "rows", HOLDS_ROW)
JSONL = declare(SUITE, "file.parse.json lines (seed 32)", FILES * ROWS, "rows", HOLDS_ROW)
ARRAYS = declare(
    SUITE,
    "file.parse.json arrays broken part-way (seed 33)",
    FILES * 2,
    "files",
    "the items before the break come out whole and one failure names the break and the items read before it",
)
LONG_DSV = declare(SUITE, "file.parse.dsv rows (seed 34)", 200 * ROWS, "rows", HOLDS_ROW, slow=True)

Row = tuple[str, bytes, dict[str, str] | None]  # (marker, raw line, the record it must give, or None if bad)
Lines = dict[str, int]  # marker -> the line its row starts on


def _dsv_row(rng: random.Random, n: int) -> Row:
    marker = f"k{n}"
    kind = rng.choices(("good", "quoted", "short", "long", "utf8", "stray"), (50, 10, 10, 10, 10, 10))[0]
    if kind == "good":
        return marker, f"{marker},name {n},{n}".encode(), {"id": marker, "name": f"name {n}", "amount": str(n)}
    if kind == "quoted":
        name = f'with, comma "{n}"\nand a line break'
        quoted = '"' + name.replace('"', '""') + '"'
        return marker, f"{marker},{quoted},{n}".encode(), {"id": marker, "name": name, "amount": str(n)}
    if kind == "short":
        return marker, f"{marker},only two".encode(), None
    if kind == "long":
        return marker, f"{marker},a,b,c,d".encode(), None
    if kind == "utf8":
        return marker, f"{marker},".encode() + bytes([0xFF, 0xFE, 0xC3]) + f",{n}".encode(), None
    return marker, f'{marker},na"me {n},{n}'.encode(), {"id": marker, "name": f'na"me {n}', "amount": str(n)}


def _numbered(rows: list[Row], first: int) -> Lines:
    lines: Lines = {}
    for marker, raw, _ in rows:
        lines[marker] = first
        first += raw.count(b"\n") + 1
    return lines


def dsv_files(rng: random.Random, count: int) -> list[tuple[str, bytes, list[Row]]]:
    files = []
    for number in range(count):
        rows = [_dsv_row(rng, number * ROWS + n) for n in range(ROWS)]
        if rng.random() < 0.4:  # an unclosed quote: the rest of the file becomes one field
            at = rng.randrange(ROWS)
            marker = rows[at][0]
            rows[at] = (marker, f'{marker},"unclosed {at},1'.encode(), None)
        body = b"id,name,amount\n" + b"\n".join(raw for _, raw, _ in rows) + b"\n"
        files.append((f"rows{number}.csv", body, rows))
    return files


def _jsonl_row(rng: random.Random, n: int) -> Row:
    marker = f"k{n}"
    record = {"id": marker, "n": str(n)}
    kind = rng.choices(("good", "truncated", "array", "garbage", "utf8", "blank"), (55, 10, 10, 10, 10, 5))[0]
    if kind in ("good", "blank"):
        raw = json.dumps(record).encode()
        return marker, raw + (b"\n" if kind == "blank" else b""), record
    if kind == "truncated":
        return marker, f'{{"id": "{marker}", "n": '.encode() + b'"unfinished'[: rng.randrange(0, 6)], None
    if kind == "array":
        return marker, json.dumps([marker, n]).encode(), None
    if kind == "garbage":
        return marker, f'{{"id": "{marker}", n: {n}}}'.encode(), None
    return marker, f'{{"id": "{marker}", "n": "'.encode() + bytes([0xFF, 0xC0]) + b'"}', None


def jsonl_files(rng: random.Random, count: int) -> list[tuple[str, bytes, list[Row]]]:
    files = []
    for number in range(count):
        rows = [_jsonl_row(rng, number * ROWS + n) for n in range(ROWS)]
        files.append((f"rows{number}.jsonl", b"\n".join(raw for _, raw, _ in rows) + b"\n", rows))
    return files


def array_files(rng: random.Random, count: int) -> list[tuple[str, bytes, list[str]]]:
    """``(name, bytes, the ids of the items before the break)``: arrays of objects broken part-way."""
    tails: tuple[tuple[bytes, list[str]], ...] = (
        (b'{"id": "broken", "n": ', []),  # truncated inside an item
        (b'{"id": "x"} {"id": "y"}', ["x"]),  # a missing comma: x is whole, the break is before y
        (b"]]", []),
        (b'{"id": "\xff"}', []),  # invalid UTF-8 inside a string
        (b"nul", []),
    )
    files = []
    for number in range(count * 2):
        good = [f"a{number}-{n}" for n in range(rng.randrange(0, 20))]
        tail, whole = rng.choice(tails)
        items = [json.dumps({"id": item, "n": n}).encode() for n, item in enumerate(good)]
        files.append((f"array{number}.json", b"[" + b", ".join([*items, tail]), good + whole))
    return files


def _flow(source: Path, out: Path, parser: str, error_path: bool) -> dict[str, Any]:
    parse: dict[str, Any] = {"id": "parse", "type": parser, "params": {}, "next": ["good"]}
    steps: list[dict[str, Any]] = [
        {"id": "files", "type": "datasource.read.file", "params": {"path": str(source)}, "next": ["parse"]},
        parse,
        {"id": "good", "type": "file.format.jsonl", "params": {"fileName": "good.jsonl"}, "next": ["out"]},
        {"id": "out", "type": "datasource.write.file", "params": {"path": str(out)}},
    ]
    if error_path:
        parse["error"] = ["failed"]
        steps.append(
            {"id": "failed", "type": "file.format.jsonl", "params": {"fileName": "failed.jsonl"}, "next": ["out"]}
        )
    return {"name": "malformed records", "steps": steps}


def parse_job(tmp: Path, parser: str, files: list[tuple[str, bytes]], error_path: bool) -> tuple[Any, ...]:
    """Run the parse job over ``files``; (status, records out, failures with their reasons)."""
    source, out = tmp / "in", tmp / "out"
    source.mkdir(parents=True)
    for name, body in files:
        (source / name).write_bytes(body)
    status = run_flow(_flow(source, out, parser, error_path), tmp, full_extract=True)
    good = [json.loads(line) for line in (out / "good.jsonl").read_text().splitlines() if line.strip()]
    if error_path:
        failed = [json.loads(line) for line in (out / "failed.jsonl").read_text().splitlines() if line.strip()]
        reasons = [record.get("_errorDetails", {}).get("errorMessage") for record in failed]
    else:
        error_file = Path(status["errorFile"]) if status.get("errorFile") else None
        lines = error_file.read_text().splitlines() if error_file and error_file.is_file() else []
        entries = [json.loads(line) for line in lines if line.strip()]
        failed = [entry.get("record") or {} for entry in entries]  # the failed row, as on the error path
        reasons = [entry.get("errorMessage") for entry in entries]
    return status, good, failed, reasons


def _covered(failures: list[dict[str, Any]], name: str, line: int) -> bool:
    """Whether a failure of file ``name`` covers ``line`` (its line, or its line..lastLine)."""
    for failure in failures:
        first = failure.get("line")
        if (
            failure.get("fileName") == name
            and isinstance(first, int)
            and first <= line <= failure.get("lastLine", first)
        ):
            return True
    return False


def judge_rows(case: Case, make: Callable[[random.Random, int], list], seed: int, parser: str, tmp: Path) -> None:
    rng = random.Random(seed)
    failures: list[str] = []
    files = make(rng, case.tried // ROWS)
    for half, chunk in enumerate((files[: len(files) // 2], files[len(files) // 2 :])):
        status, good, failed, reasons = parse_job(
            tmp / f"job{half}", parser, [(name, body) for name, body, _ in chunk], error_path=half == 0
        )
        problems = reconcile(status) + [
            f"a failure without a reason: {f}" for f, r in zip(failed, reasons, strict=True) if not r
        ]
        if status["status"] != "succeeded":
            problems.append(f"the job {status['status']}: {status.get('errorMessage')}")
        by_id = {record.get("id"): record for record in good}
        for name, _, rows in chunk:
            lines = _numbered(rows, 2 if parser == "file.parse.dsv" else 1)
            for marker, _, expected in rows:
                came_out = by_id.get(marker)
                if came_out is not None and expected is None:
                    failures.append(f"{marker}: a bad row came out as a record {came_out}")
                elif came_out is not None and {k: v for k, v in came_out.items() if k != "_fileName"} != expected:
                    failures.append(f"{marker}: came out as {came_out}, written as {expected}")
                elif came_out is None and not _covered(failed, name, lines[marker]):
                    failures.append(f"{marker} ({name} line {lines[marker]}): neither came out nor failed")
        failures += [f"job {half}: {problem}" for problem in problems]
    check(case, failures)


def test_dsv_rows(tmp_path: Path) -> None:
    judge_rows(DSV, dsv_files, 31, "file.parse.dsv", tmp_path)


@pytest.mark.slow
def test_dsv_rows_long(tmp_path: Path) -> None:
    judge_rows(LONG_DSV, dsv_files, 34, "file.parse.dsv", tmp_path)


def test_json_lines(tmp_path: Path) -> None:
    judge_rows(JSONL, jsonl_files, 32, "file.parse.json", tmp_path)


def test_json_arrays_broken_part_way(tmp_path: Path) -> None:
    files = array_files(random.Random(33), FILES)
    failures: list[str] = []
    for number, (name, body, before) in enumerate(files):
        status, good, failed, reasons = parse_job(tmp_path / f"job{number}", "file.parse.json", [(name, body)], True)
        problems = reconcile(status)
        if [record["id"] for record in good] != before:
            problems.append(f"{len(good)} items came out of the {len(before)} before the break")
        breaks = [record for record in failed if record.get("afterItem") == len(before)]
        if len(failed) != 1 or len(breaks) != 1 or not reasons[0]:
            problems.append(f"failures {failed}")
        if problems:
            failures.append(f"{name} ({body[-40:]!r}): {'; '.join(problems)}")
    check(ARRAYS, failures)
