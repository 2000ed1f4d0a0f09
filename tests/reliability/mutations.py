"""A seeded generator of broken flow files: the shipped sample flows, mutated; and hand-picked hostile documents.

Structural mutations change the parsed document (a value of the wrong type, null, a huge string, a key removed,
a duplicate step id, a cycle, an unknown step or type, a bad placeholder ...) and write it back as JSON or YAML.
Textual mutations then damage the bytes (truncation, stray characters, NUL and invalid UTF-8). The same seed gives
the same files, so a failure names a case that can be written out again and replayed.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted([*ROOT.glob("flows/**/*.json"), *ROOT.glob("flows/**/*.yaml")])
SAMPLES = [path for path in SAMPLES if "steps" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})]
HUGE = "x" * 1_000_000


@dataclass(frozen=True)
class FlowCase:
    name: str
    """``<seed sample>#<n>: <what was done>``, enough to tell what the file holds."""
    suffix: str
    content: bytes


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def _steps(document: Any) -> list[dict[str, Any]]:
    steps = document.get("steps") if isinstance(document, dict) else None
    return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []


WRONG_VALUES: tuple[Any, ...] = (None, 0, -1, 1e308, True, "", [], {}, "${bogus}", "{{unfilled}}", [[[]]], "\u0000")


def _wrong_type(document: Any, rng: random.Random) -> str:
    paths = [path for path in _paths(document) if path]
    path = rng.choice(paths)
    value = rng.choice((*WRONG_VALUES, HUGE))
    _parent(document, path)[path[-1]] = value
    shown = "a 1 MB string" if value is HUGE else repr(value)[:20]
    return f"{'/'.join(map(str, path))} = {shown}"


def _remove(document: Any, rng: random.Random) -> str:
    paths = [path for path in _paths(document) if path]
    path = rng.choice(paths)
    del _parent(document, path)[path[-1]]
    return f"removed {'/'.join(map(str, path))}"


Mutation = Callable[[Any, random.Random], str]


def _on_a_step(mutate: Callable[[dict[str, Any], Any, random.Random], str]) -> Mutation:
    """A mutation of one step picked at random; a document with no steps gets a value of the wrong type instead."""

    def apply(document: Any, rng: random.Random) -> str:
        steps = _steps(document)
        return mutate(rng.choice(steps), document, rng) if steps else _wrong_type(document, rng)

    return apply


@_on_a_step
def _duplicate_step(step: dict[str, Any], document: Any, rng: random.Random) -> str:
    document["steps"].append(copy.deepcopy(step))
    return f"step {step.get('id')!r} twice"


def _cycle(document: Any, rng: random.Random) -> str:
    steps = _steps(document)
    if len(steps) < 1:
        return _remove(document, rng)
    late, early = steps[-1], rng.choice(steps)
    late.setdefault("next", [])
    if isinstance(late["next"], list):
        late["next"].append(early.get("id"))
    return f"{late.get('id')} -> {early.get('id')}"


@_on_a_step
def _dangling(step: dict[str, Any], document: Any, rng: random.Random) -> str:
    edge = rng.choice(("next", "error"))
    step[edge] = rng.choice((["nowhere"], "nowhere", [None], [1], [{"id": "x"}], [step.get("id")]))
    return f"{step.get('id')}.{edge} = {step[edge]!r}"


@_on_a_step
def _bad_type(step: dict[str, Any], document: Any, rng: random.Random) -> str:
    step["type"] = rng.choice(("field.rename.", "datasource.read.gigya", "no.such.type", "", "FIELD.RENAME", 7))
    return f"{step.get('id')}.type = {step['type']!r}"


@_on_a_step
def _bad_params(step: dict[str, Any], document: Any, rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        step["params"] = rng.choice((None, [], "params", 3))
    elif choice == 1:
        step.setdefault("params", {})
        if isinstance(step["params"], dict):
            step["params"]["noSuchParam"] = {"deep": [1, 2, 3]}
    elif choice == 2:
        params = step.get("params")
        if isinstance(params, dict) and params:
            key = rng.choice(sorted(params))
            params[key] = rng.choice(("${now:QQQQ}", "${env:}", "${now-1x}", "$${", "${", "{{", "{{a}"))
    else:
        step["id"] = rng.choice(("", None, 5, "a" * 10_000, "has space", step.get("id")))
    return f"{step.get('id')!r}: params mutation {choice}"


def _many_steps(document: Any, rng: random.Random) -> str:
    count = rng.choice((300, 1000))
    document["steps"] = [
        {"id": f"s{n}", "type": "field.add", "params": {"fields": [{"field": "x", "value": n}]}, "next": [f"s{n + 1}"]}
        for n in range(count)
    ]
    document["steps"][-1].pop("next")
    return f"a chain of {count} steps"


STRUCTURAL: tuple[Mutation, ...] = (
    _wrong_type,
    _wrong_type,
    _remove,
    _duplicate_step,
    _cycle,
    _dangling,
    _bad_type,
    _bad_params,
    _bad_params,
)


def _damage(text: bytes, rng: random.Random) -> tuple[bytes, str]:
    choice = rng.randrange(5)
    at = rng.randrange(len(text) + 1)
    if choice == 0:
        return text[:at], f"truncated at {at}"
    if choice == 1:
        junk = bytes(rng.choice((0, 0xFF, 0xC3, 0x80, 0x7B, 0x7D, 0x3A, 0x5B, 0x22, 0x09, 0x0A)) for _ in range(3))
        return text[:at] + junk + text[at:], f"{junk!r} inserted at {at}"
    if choice == 2:
        return text[:at] + text[at + rng.randrange(1, 40) :], f"bytes cut at {at}"
    if choice == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))), "random bytes"
    return text.decode("utf-8").encode("utf-16"), "re-encoded as UTF-16"


def mutated(count: int, seed: int) -> list[FlowCase]:
    rng = random.Random(seed)
    cases: list[FlowCase] = []
    for number in range(count):
        sample = rng.choice(SAMPLES)
        document = yaml.safe_load(sample.read_text(encoding="utf-8"))
        what = [STRUCTURAL[rng.randrange(len(STRUCTURAL))](document, rng) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.02:
            what.append(_many_steps(document, rng))
        as_yaml = rng.random() < 0.4
        text = (yaml.safe_dump(document, sort_keys=False) if as_yaml else json.dumps(document, indent=2)).encode()
        if rng.random() < 0.3:
            text, damage = _damage(text, rng)
            what.append(damage)
        cases.append(FlowCase(f"{sample.name}#{number}: {'; '.join(what)}", ".yaml" if as_yaml else ".json", text))
    return cases


def _billion_laughs(depth: int = 12) -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, depth)]
    lines += ["name: laughs", f"steps: *a{depth - 1}"]
    return "\n".join(lines).encode()


WIDE = [{"id": f"s{n}", "type": "field.add", "params": {}} for n in range(10_000)]
WIDE = [{"id": f"s{n}", "type": "field.add", "params": {}} for n in range(10_000)]
HOSTILE: tuple[FlowCase, ...] = (
    FlowCase("empty file", ".json", b""),
    FlowCase("whitespace only", ".yaml", b"  \n\t\n"),
    FlowCase("a bare number", ".json", b"42"),
    FlowCase("a bare null", ".yaml", b"null"),
    FlowCase("a list at the top", ".json", b'[{"id": "a"}]'),
    FlowCase("steps is a string", ".json", b'{"name": "x", "steps": "all of them"}'),
    FlowCase("JSON nested 100,000 deep", ".json", b"[" * 100_000 + b"]" * 100_000),
    FlowCase("YAML nested 100,000 deep", ".yaml", b"[" * 100_000 + b"]" * 100_000),
    FlowCase("YAML block nesting 3,000 deep", ".yaml", "".join(f"{' ' * n}k:\n" for n in range(3000)).encode()),
    FlowCase("billion laughs (YAML aliases)", ".yaml", _billion_laughs()),
    FlowCase("recursive YAML alias", ".yaml", b"name: r\nsteps: &s [*s]\n"),
    FlowCase("YAML merge key", ".yaml", b"base: &b {id: a}\nname: m\nsteps: [{<<: *b, type: field.add}]\n"),
    FlowCase("python object tag", ".yaml", b"name: !!python/object/apply:os.system ['true']\nsteps: []\n"),
    FlowCase("binary tag", ".yaml", b"name: !!binary aGVsbG8=\nsteps: []\n"),
    FlowCase("a 20 MB name", ".json", b'{"name": "' + b"n" * 20_000_000 + b'", "steps": [{"id": "a"}]}'),
    FlowCase("a number with 100,000 digits", ".json", b'{"name": "d", "steps": [], "x": ' + b"9" * 100_000 + b"}"),
    FlowCase("duplicate keys", ".json", b'{"name": "a", "name": "b", "steps": []}'),
    FlowCase("NUL bytes", ".json", b'{"name": "a\x00", "steps": []}'),
    FlowCase("invalid UTF-8", ".json", b'{"name": "\xff\xfe\xc3", "steps": []}'),
    FlowCase("UTF-16 with BOM", ".json", '{"name": "u", "steps": []}'.encode("utf-16")),
    FlowCase("lone surrogate escape", ".json", b'{"name": "\\ud800", "steps": [{"id": "\\udfff"}]}'),
    FlowCase("NaN and Infinity", ".json", b'{"name": NaN, "steps": [], "x": Infinity}'),
    FlowCase("a JPEG header", ".json", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256))),
    FlowCase("a zip archive", ".yaml", b"PK\x03\x04" + bytes(200)),
    FlowCase("10,000 steps", ".json", json.dumps({"name": "wide", "steps": WIDE}).encode()),
    FlowCase("a step that is a list", ".json", b'{"name": "l", "steps": [[1, 2]]}'),
    FlowCase("edges to itself", ".json", b'{"name": "c", "steps": [{"id": "a", "type": "field.add", "next": ["a"]}]}'),
    FlowCase("CR-only line ends", ".yaml", b"name: cr\rsteps:\r  - id: a\r    type: nope\r"),
)
