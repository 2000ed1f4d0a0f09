"""Partner connectors: write (and read) throughput through our components against the partner's own client doing
the same calls, in the same run, against the same stand-in on loopback.

Why: our writers add batching into bulk jobs, per-record refusal mapping, retries and counters on top of the
partner's API; this shows what that costs next to a hand-driven client (mailchimp-marketing, marketorestpython,
createsend, simple-salesforce; plain ``requests`` for Constant Contact, Marketing Cloud and BlueKai). Each side
gets a fresh stand-in, so both write the same number of new records. Readers are compared the same way on the
records the writer just wrote. Ratios above 1 mean our component is faster.

Note: marketorestpython sleeps to keep itself under 5 calls a second; its bulk import needs few calls, so the
comparison stays about the work, not the throttle.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_partners [--records 2000] [--only mailchimp,marketo] [--json]

Nothing here asserts on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests

from dataflow.testing import run_spliced
from sandbox.bluekai import signature
from sandbox.mailchimp import subscriber_hash
from tests.partners import stand_ins
from tests.partners.test_writers import CASES

READERS = {
    "mailchimp": "datasource.read.mailchimp",
    "marketo": "datasource.read.marketo",
    "campaignmonitor": "datasource.read.campaignmonitor",
    "constantcontact": "datasource.read.constantcontact",
}


def fresh(partner: str) -> Any:
    """A new stand-in registered as the session's one, so ``stand_ins`` clients and params point at it."""
    stand_ins._RUNNING.pop(partner, None)
    return stand_ins.stand_in(partner)


def records_for(partner: str, count: int) -> list[dict[str, Any]]:
    emails = [f"bench{i}@example.org" for i in range(count + 1)]
    return CASES[partner][1](emails[:-1], emails[-1])[:count]


def ours_write(partner: str, records: list[dict[str, Any]], work: Path) -> float:
    writer, _, _, extra = CASES[partner]
    params = {**stand_ins.connection(partner, writer), **extra}
    flow = {
        "name": "bench",
        "steps": [
            {"id": "given", "type": "testing.records", "params": {"records": records}, "next": ["writer"]},
            {"id": "writer", "type": writer, "params": params},
        ],
    }
    started = time.perf_counter()
    status = run_spliced(flow, {}, work)
    elapsed = time.perf_counter() - started
    assert status["status"] == "succeeded" and status["counters"]["writer"]["out"] == len(records), status
    return elapsed


def raw_write(partner: str, records: list[dict[str, Any]]) -> float:
    sandbox = stand_ins.stand_in(partner)
    started = time.perf_counter()
    RAW_WRITERS[partner](sandbox, records)
    return time.perf_counter() - started


def _poll(check: Callable[[], bool]) -> None:
    while not check():
        time.sleep(0.02)


def _mailchimp(sandbox: Any, records: list[dict[str, Any]]) -> None:
    client = stand_ins.mailchimp_client()
    for start in range(0, len(records), 500):
        operations = [
            {
                "method": "PUT",
                "operation_id": str(i),
                "path": f"/lists/{sandbox.list_id}/members/{subscriber_hash(r['EMAIL'])}",
                "body": json.dumps(
                    {
                        "email_address": r["EMAIL"],
                        "status_if_new": "subscribed",
                        "merge_fields": {"FNAME": r["FNAME"], "UID": r["UID"]},
                    }
                ),
            }
            for i, r in enumerate(records[start : start + 500])
        ]
        batch = client.batches.start({"operations": operations})
        status = client.batches.status(batch["id"])
        while status["status"] != "finished":
            time.sleep(0.02)
            status = client.batches.status(batch["id"])
        requests.get(status["response_body_url"], timeout=30).raise_for_status()


def _marketo(sandbox: Any, records: list[dict[str, Any]]) -> None:
    client = stand_ins.marketo_client()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    batch = client.import_lead("csv", handle.name, lookupField="email")[0]["batchId"]
    _poll(lambda: client.get_import_lead_status(batch)[0]["status"] in ("Complete", "Failed"))
    Path(handle.name).unlink()


def _campaignmonitor(sandbox: Any, records: list[dict[str, Any]]) -> None:
    with stand_ins.createsend_client() as createsend:
        subscriber = createsend.Subscriber({"api_key": sandbox.api_key})
        for start in range(0, len(records), 1000):
            chosen = [
                {
                    "EmailAddress": r["EmailAddress"],
                    "Name": r["Name"],
                    "CustomFields": [{"Key": "GigyaUID", "Value": r["GigyaUID"]}],
                }
                for r in records[start : start + 1000]
            ]
            subscriber.import_subscribers(sandbox.list_id, chosen, True)


def _constantcontact(sandbox: Any, records: list[dict[str, Any]]) -> None:
    session = stand_ins.constantcontact_session()
    items = [{"email": r["Email"], "cf:custom_field_1": r["Custom Field 1"]} for r in records]
    activity = session.post(
        f"{sandbox.url}/v3/activities/contacts_json_import",
        timeout=60,
        json={"import_data": items, "list_ids": [sandbox.list_id]},
    ).json()["activity_id"]
    _poll(lambda: session.get(f"{sandbox.url}/v3/activities/{activity}", timeout=30).json()["state"] == "completed")


def _salesforce(sandbox: Any, records: list[dict[str, Any]]) -> None:
    stand_ins.salesforce_client().bulk2.Account.upsert(records=records, external_id_field="ZZ00_rtl_id__c", wait=0.02)


def _sfmc(sandbox: Any, records: list[dict[str, Any]]) -> None:
    session = stand_ins.sfmc_session()
    base = f"{sandbox.url}/data/v1/async"
    for start in range(0, len(records), 2000):
        request_id = session.put(
            f"{base}/dataextensions/key:GigyaSubscribers/rows",
            timeout=60,
            json={"items": records[start : start + 2000]},
        ).json()["requestId"]
        _poll(
            lambda rid=request_id: (
                session.get(f"{base}/{rid}/status", timeout=30).json()["status"]["requestStatus"] == "Complete"
            )
        )
        session.get(f"{base}/{request_id}/results", timeout=30).raise_for_status()


def _bluekai(sandbox: Any, records: list[dict[str, Any]]) -> None:
    session = requests.Session()
    path = f"/getdata/{sandbox.site_id}/v1.2"

    def send(record: dict[str, Any]) -> None:
        pairs = [("puserid", record["UID"]), *(("phint", f"{k}={v}") for k, v in record.items() if k != "UID")]
        sig = signature(sandbox.secret_key, "GET", path, [v for _, v in pairs])
        query = urlencode([*pairs, ("bkuid", sandbox.bkuid), ("bksig", sig)], quote_via=quote)
        session.get(f"{sandbox.url}{path}?{query}", timeout=30).raise_for_status()

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(send, records))


RAW_WRITERS = {
    "mailchimp": _mailchimp,
    "marketo": _marketo,
    "campaignmonitor": _campaignmonitor,
    "constantcontact": _constantcontact,
    "salesforce": _salesforce,
    "sfmc": _sfmc,
    "bluekai": _bluekai,
}


def ours_read(partner: str, work: Path) -> tuple[float, int]:
    reader = READERS[partner]
    params = stand_ins.connection(partner, reader)
    if partner == "campaignmonitor":
        params["status"] = "active"
    if partner == "marketo":
        params["fields"] = "email,firstName,gUID"
    flow = {"name": "bench", "steps": [{"id": "reader", "type": reader, "params": params}]}
    started = time.perf_counter()
    status = run_spliced(flow, {}, work, full_extract=True)
    return time.perf_counter() - started, status["counters"]["reader"]["out"]


def raw_read(partner: str) -> tuple[float, int]:
    sandbox = stand_ins.stand_in(partner)
    started = time.perf_counter()
    count = 0
    if partner == "mailchimp":
        client = stand_ins.mailchimp_client()
        offset, total = 0, 1
        while offset < total:
            page = client.lists.get_list_members_info(sandbox.list_id, count=1000, offset=offset)
            total, offset = page["total_items"], offset + len(page["members"])
            count += len(page["members"])
    elif partner == "marketo":
        client = stand_ins.marketo_client()
        window = stand_ins.connection("marketo", READERS["marketo"])["startDate"]
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
        export = client.create_leads_export_job(
            fields=["email", "firstName", "gUID"], filters={"updatedAt": {"startAt": window, "endAt": until}}
        )
        export_id = export[0]["exportId"]
        client.enqueue_leads_export_job(export_id)
        _poll(lambda: client.get_leads_export_job_status(export_id)[0]["status"] == "Completed")
        count = len(client.get_leads_export_job_file(export_id).decode().splitlines()) - 1
    elif partner == "campaignmonitor":
        with stand_ins.createsend_client() as createsend:
            listing = createsend.List({"api_key": sandbox.api_key}, sandbox.list_id)
            page, pages = 1, 1
            while page <= pages:
                answer = listing.active(date="1900-01-01", page=page, page_size=1000)
                pages, page, count = answer.NumberOfPages, page + 1, count + len(answer.Results)
    else:
        session = stand_ins.constantcontact_session()
        url = f"{sandbox.url}/v3/contacts?lists={sandbox.list_id}&limit=500&include=custom_fields,list_memberships"
        while url:
            page = session.get(url, timeout=30).json()
            count += len(page["contacts"])
            href = page.get("_links", {}).get("next", {}).get("href")
            url = f"{sandbox.url}{href}" if href else ""
    return time.perf_counter() - started, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for partner in args.only.split(","):
            records = records_for(partner, args.records)
            fresh(partner)
            ours = ours_write(partner, records, Path(scratch) / f"{partner}-w")
            row: dict[str, Any] = {"partner": partner, "records": len(records), "ours write rec/s": len(records) / ours}
            if partner in READERS:
                read_ours, read_count = ours_read(partner, Path(scratch) / f"{partner}-r")
            fresh(partner)
            raw = raw_write(partner, records)
            row["raw write rec/s"] = len(records) / raw
            row["write ratio"] = raw / ours
            if partner in READERS:
                read_raw, raw_count = raw_read(partner)
                row.update(
                    {
                        "ours read rec/s": read_count / read_ours,
                        "raw read rec/s": raw_count / read_raw,
                        "read ratio": read_raw / read_ours if raw_count == read_count else float("nan"),
                    }
                )
            rows.append(row)
            print(
                json.dumps(row)
                if args.json
                else "  ".join(f"{k}={v:,.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
