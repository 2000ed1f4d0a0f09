"""``dataflow serve`` under load: ``idx.search`` calls/s and latency with 50 concurrent clients, against a
hand-written baseline in the same run.

- **api**: ``dataflow serve --no-scheduler`` (its own process) over a home holding ``--flows`` published flows of
  one site; every call is a full ``idx.search``: form parsing, authentication (the secret), the query parsed (and
  cached), the store queried, rows shaped (secrets masked, ``lastRuntime`` added), the Gigya envelope.
- **baseline**: a minimal Starlette handler on the same server stack (uvicorn, its own process, the same store):
  it reads the form, checks the secret with one store call, runs the same store search with the equality already
  extracted, and returns the rows as JSON. The difference between the two is what the API layer costs.

Load: ``--clients`` threads, each with its own keep-alive connection, call for ``--seconds``; the query rotates
between a lookup (``WHERE name = '…'``, one row) and a list (``ORDER BY name LIMIT 20``). The load generator
shares the machine's cores with the server, as a local client would. Figures are printed, never asserted.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_serve [--clients 50] [--seconds 8] [--flows 50] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = {"apiKey": "3_bench", "userKey": "bench", "secret": "YmVuY2gtc2VjcmV0LWJlbmNo"}
MODES = ("baseline", "api")


# the data ------------------------------------------------------------------------------------------------
def seed_home(home: Path, flows: int) -> None:
    from dataflow.store import open_store

    store = open_store(home)
    store.add_site(SITE["apiKey"], "bench")
    store.add_site_key(SITE["apiKey"], SITE["userKey"], SITE["secret"])
    for index in range(flows):
        store.create_flow(flow(index), "published", SITE["apiKey"])


def flow(index: int) -> dict[str, Any]:
    return {
        "name": f"flow {index:03d}",
        "description": "file > parse > rename > dsv > sftp",
        "steps": [
            {"id": "read", "type": "datasource.read.file", "params": {"path": "in"}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["rename"]},
            {
                "id": "rename",
                "type": "field.rename",
                "params": {"fields": [{"sourceField": "a", "targetField": "b"}]},
                "next": ["dsv"],
            },
            {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": "x.csv"}, "next": ["upload"]},
            {
                "id": "upload",
                "type": "datasource.write.sftp",
                "params": {"host": "sftp.example.com", "username": "u", "password": "p4ssword", "remotePath": "in"},
            },
        ],
    }


def queries(flows: int) -> list[str]:
    found = [f"SELECT * FROM dataflow WHERE name = 'flow {i:03d}'" for i in range(0, flows, max(flows // 10, 1))]
    return [*found, "SELECT * FROM dataflow ORDER BY name LIMIT 20"]


# the servers ----------------------------------------------------------------------------------------------
def baseline_app(home: Path) -> Any:
    """The least an idx.search handler can do: form, secret check, the store's search, JSON out."""
    from urllib.parse import parse_qsl

    import orjson
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from dataflow.store import open_store

    store = open_store(home)

    def work(form: dict[str, str]) -> bytes:
        if store.site_secret(form["apiKey"], form["userKey"]) != form["secret"]:
            return b'{"errorCode":403003}'
        query = form["query"]
        if " WHERE name = '" in query:
            rows = store.search("dataflow", form["apiKey"], {"name": query.split("'")[1]})
        else:
            rows = store.search("dataflow", form["apiKey"], None, [("name", False)], 20)
        return orjson.dumps({"errorCode": 0, "result": rows, "resultCount": len(rows)})

    async def search(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        return Response(await run_in_threadpool(work, form), media_type="application/json")

    return Starlette(routes=[Route("/idx.search", search, methods=["POST"])])


def run_baseline_child(home: Path) -> None:
    import uvicorn

    from dataflow.server.running import listening_socket

    sock = listening_socket("127.0.0.1", 0)
    print(f"serving on http://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
    server = uvicorn.Server(uvicorn.Config(baseline_app(home), access_log=False, log_level="warning"))
    server.run(sockets=[sock])


@contextmanager
def server(mode: str, home: Path) -> Iterator[str]:
    if mode == "api":
        command = [sys.executable, "-m", "dataflow.cli.main", "serve", "--port", "0", "--no-scheduler"]
    else:
        command = [sys.executable, "-m", "benchmarks.bench_serve", "--child", "baseline", "--home", str(home)]
    env = {**os.environ, "DATAFLOW_HOME": str(home)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if " on http" not in line:
            raise RuntimeError(f"the {mode} server did not start: {line!r}")
        yield re.search(r"https?://[^/\s]+", line).group(0)  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(15)


# the load ----------------------------------------------------------------------------------------------------
def load(url: str, clients: int, seconds: float, texts: list[str]) -> dict[str, Any]:
    target = urlsplit(url)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        bodies = [urlencode({**SITE, "query": text}) for text in texts]
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        start.wait()
        turn = index
        while time.perf_counter() < deadline[0]:
            body = bodies[turn % len(bodies)]
            turn += 1
            began = time.perf_counter()
            connection.request("POST", "/idx.search", body=body, headers=headers)
            answer = connection.getresponse().read()
            latencies[index].append(time.perf_counter() - began)
            if b'"errorCode":0,' not in answer[:100]:
                failures[index] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(value for per_client in latencies for value in per_client)
    return {
        "calls": len(every),
        "failures": sum(failures),
        "calls_per_s": len(every) / elapsed,
        "p50_ms": 1000 * statistics.median(every) if every else None,
        "p99_ms": 1000 * every[min(len(every) - 1, int(len(every) * 0.99))] if every else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("baseline",), help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_baseline_child(args.home)
        return 0
    results: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds, "flows": args.flows}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as temp:
        home = Path(temp)
        seed_home(home, args.flows)
        texts = queries(args.flows)
        for mode in MODES:
            with server(mode, home) as url:
                load(url, min(args.clients, 5), min(1.0, args.seconds), texts)  # warm up: imports, caches
                results[mode] = load(url, args.clients, args.seconds, texts)
            print(f"{mode:<9} {json.dumps(results[mode])}", file=sys.stderr)
    api, base = results["api"], results["baseline"]
    results["ratio_calls_per_s"] = api["calls_per_s"] / base["calls_per_s"] if base["calls_per_s"] else None
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'mode':<9} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'calls':>7} {'failed':>6}")
    for mode in MODES:
        row = results[mode]
        print(
            f"{mode:<9} {row['calls_per_s']:>9,.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{row['calls']:>7} {row['failures']:>6}"
        )
    print(f"ratio api/baseline calls/s: {results['ratio_calls_per_s']:.2f}")
    print(f"api with {args.clients} concurrent clients: {api['calls_per_s']:,.0f} idx.search calls/s (target >= 200)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
