"""Serving benchmark: read every account through cursor pages, as a sync client does, and report accounts/s.

    .venv/bin/python -m sandbox.gigya.bench --accounts 1000000 --page 10000

The server runs in its own process (``python -m sandbox.cli gigya``) so that its memory (VmRSS/VmHWM read from
/proc) is its own and the client's JSON parsing runs on the other core, as with a real client. The client parses
every page with the cyclic GC off: parsing 10,000 nested accounts with it on costs three times as much, which
would measure Python's GC rather than the server. ``server_wait_s`` is the time spent waiting for responses.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import requests


def _memory_mb(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def run(accounts: int, page: int, select: str, where: str, seed: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "sandbox.cli", "gigya", "--port", "0", "--accounts", str(accounts)]
    server = subprocess.Popen([*command, "--seed", str(seed)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        idle = _memory_mb(server.pid)
        auth = {"apiKey": info["apiKey"], "userKey": info["userKey"], "secret": info["secret"]}
        session = requests.Session()
        query = f"SELECT {select} FROM accounts{' WHERE ' + where if where else ''} LIMIT {page}"
        params: dict[str, str] = {**auth, "query": query, "openCursor": "true"}
        gc.disable()
        started = time.perf_counter()
        first_page = None
        read = pages = size = 0
        waited = 0.0
        while True:
            asked = time.perf_counter()
            response = session.post(f"{info['url']}/accounts.search", data=params)
            content = response.content
            waited += time.perf_counter() - asked
            body = orjson.loads(content)
            if body["errorCode"]:
                raise RuntimeError(body)
            first_page = first_page or time.perf_counter() - started
            read += body["objectsCount"]
            pages += 1
            size += len(response.content)
            if "nextCursorId" not in body:
                break
            params = {**auth, "cursorId": body["nextCursorId"]}
        elapsed = time.perf_counter() - started
        return {
            "accounts": accounts,
            "read": read,
            "total": body["totalCount"],
            "pages": pages,
            "seconds": round(elapsed, 2),
            "first_page_seconds": round(first_page or 0.0, 2),
            "server_wait_s": round(waited, 2),
            "accounts_per_s": round(read / elapsed),
            "accounts_per_s_server_wait": round(read / waited),
            "mb_per_s": round(size / elapsed / 1e6, 1),
            "bytes_per_account": round(size / max(read, 1)),
            "server_idle_mb": idle,
            "server_after_mb": _memory_mb(server.pid),
        }
    finally:
        gc.enable()
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=10_000)
    parser.add_argument("--select", default="*")
    parser.add_argument("--where", default="")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run(args.accounts, args.page, args.select, args.where, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
