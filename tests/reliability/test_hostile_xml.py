"""Hostile input: XML that reads local files, calls out, or explodes, in every place XML is parsed.

The engine parses XML in one place: the Silverpop XML API's answers (``steps/silverpop/xmlapi.py``, defusedxml).
A stand-in server on loopback answers the OAuth call properly and every XML API call with a hostile document;
a Silverpop reader then runs against it. The Silverpop sandbox parses the requests it is sent, so it gets the same
documents as requests. The payloads: external entities naming a local file and a URL (XXE), a parameter entity
pulling an external DTD, an external DTD, XInclude, billion laughs, the quadratic blow-up (one big entity used
many times), and nesting 100,000 levels deep.

What must hold: the document is refused (the job fails with a message saying the answer was unreadable, the
sandbox answers with its fault) or, where defusedxml parses it harmlessly (an external DTD or an XInclude is
never fetched, deep nesting is just deep), the job fails saying the answer was no job status; the content of the
local file appears nowhere, nothing fetched the URLs, and the parse neither hangs nor swallows memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dataflow.validation import validate_text
from sandbox.silverpop import SilverpopConfig, SilverpopSandbox
from sandbox.silverpop.clock import Clock
from tests.helpers import run_flow
from tests.reliability.figures import check, declare
from tests.reliability.services import Witness

SUITE = "hostile input: XML"
CANARY_TEXT = "canary-4b7e-local-file-content"


def payloads(canary: Path, witness: str) -> dict[str, str]:
    body = "<Envelope><Body><RESULT><SUCCESS>TRUE</SUCCESS><JOB_ID>{}</JOB_ID><FILE_PATH>x</FILE_PATH>"
    body += "</RESULT></Body></Envelope>"
    laughs = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return {
        "XXE: a local file": f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{canary}">]>' + body.format("&x;"),
        "XXE: a URL": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{witness}xxe">]>' + body.format("&x;"),
        "parameter entity, external DTD": f'<!DOCTYPE r [<!ENTITY % d SYSTEM "{witness}dtd"> %d;]>' + body.format("1"),
        "external DTD": f'<!DOCTYPE Envelope SYSTEM "{witness}ext.dtd">' + body.format("1"),
        "XInclude of a local file": body.format(
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://{canary}" parse="text"/>'
        ),
        "billion laughs": f"<!DOCTYPE r [{laughs}]>" + body.format("&l9;"),
        "quadratic blow-up": f'<!DOCTYPE r [<!ENTITY b "{"B" * 50_000}">]>' + body.format("&b;" * 50_000),
        "nesting 100,000 deep": body.format("<a>" * 100_000 + "</a>" * 100_000),
    }


NAMES = tuple(payloads(Path("/x"), "http://x/"))
TARGETS = ("Silverpop answers to the engine", "requests to the Silverpop sandbox")
CASE = declare(
    SUITE,
    "hostile XML payloads x parsers",
    len(NAMES) * len(TARGETS),
    "payloads x parsers",
    "refused with a reason; the local file's content nowhere; no URL fetched",
)


@pytest.fixture
def hostile() -> Iterator[Witness]:
    """A stand-in Silverpop: a valid OAuth answer, and for /XMLAPI whatever the test sets; anything else is noted."""
    token = {"access_token": "t0ken", "token_type": "bearer", "expires_in": 3600}
    server = Witness({"/oauth": json.dumps(token).encode(), "/XMLAPI": b""})
    yield server
    server.close()


def _reader_flow(url: str) -> dict[str, Any]:
    params = {
        "clientId": "c",
        "clientSecret": "s3cret",
        "refreshToken": "r3fresh",
        "apiUrl": url + "XMLAPI",
        "host": "127.0.0.1",
        "port": 9,
        "hostKeyFingerprint": "SHA256:" + "A" * 43,
        "listId": 1,
        "maxRetries": 1,
        "retryBackoffMs": 1,
    }
    return {"name": "xml", "steps": [{"id": "silverpop", "type": "datasource.read.silverpop", "params": params}]}


def _calls_out(hostile: Witness) -> list[str]:
    return [path for path in hostile.requested if not path.startswith(("/oauth", "/XMLAPI"))]


def test_hostile_xml_is_refused_everywhere_it_is_parsed(tmp_path: Path, hostile: Witness) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text(CANARY_TEXT)
    failures: list[str] = []
    documents = payloads(canary, hostile.url)
    flow = _reader_flow(hostile.url)
    validated = validate_text(json.dumps(flow), "flow.json")
    assert validated.ok, [d.format() for d in validated.diagnostics]
    for number, (name, document) in enumerate(documents.items()):
        hostile.answers["/XMLAPI"], hostile.requested[:] = document.encode(), []
        status = run_flow(flow, tmp_path / f"engine{number}")
        text = json.dumps(status)
        message = status.get("errorMessage") or ""
        if status["status"] != "failed" or "Silverpop" not in message or "Traceback" in message:
            failures.append(f"engine, {name}: {status['status']}: {status.get('errorMessage')}")
        elif CANARY_TEXT in text or _calls_out(hostile):
            failures.append(f"engine, {name}: the file or the URL was read ({_calls_out(hostile)})")
    config = SilverpopConfig(contacts=0)
    with SilverpopSandbox(config, clock=Clock(), tick_s=None) as sandbox:
        token = sandbox.issue_token()
        for name, document in documents.items():
            hostile.requested[:] = []
            answer = requests.post(
                sandbox.api_url, data=document.encode(), timeout=60,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "text/xml"},
            )  # fmt: skip
            if answer.status_code != 200 or "<FaultString>" not in answer.text:
                failures.append(f"sandbox, {name}: HTTP {answer.status_code} {answer.text[:200]!r}")
            elif CANARY_TEXT in answer.text or hostile.requested:
                failures.append(f"sandbox, {name}: the file or the URL was read ({hostile.requested})")
    check(CASE, failures)
