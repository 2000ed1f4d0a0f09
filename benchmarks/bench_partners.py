"""Partner connectors: write (and read) throughput through our components against the partner's own client doing
the same calls, in the same run, against the same stand-in on loopback.

Why: our writers add batching into bulk jobs, per-record refusal mapping, retries and counters on top of the
partner's API; this shows what that costs next to a hand-driven client (mailchimp-marketing, marketorestpython,
createsend, simple-salesforce; plain ``requests`` for Constant Contact, Marketing Cloud and BlueKai). Each side
gets a fresh stand-in, so both write the same number of new records, and each side's stand-in must hold every
record afterwards or the run stops. Readers are compared the same way on the records the writer just wrote.
Ratios above 1 mean our component is faster.

Our writer gets its records from an in-memory reader in runner-sized batches, as from a service reader. Records
written into the flow document itself (``testing.records``) would be parsed with positions, schema-checked and
placeholder-rendered by flow validation: work that grows with the records, belongs to no real job, and was most
of our side's time at 20,000 records.

Note: marketorestpython sleeps to keep itself under 5 calls a second; its bulk import needs few calls, so the
comparison stays about the work, not the throttle.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_partners [--records 2000] [--only mailchimp,marketo] [--json]

Nothing here asserts on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import io
import json
import os
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import requests

from dataflow import jsonio
from dataflow.component import Reader, Record
from dataflow.registry import default_registry
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.validation import validate_text
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


GIVEN: dict[str, list[dict[str, Any]]] = {}


class GivenInMemory(Reader):
    """The benchmark's records under ``params.key``, in batches of the job's batch size, as a reader hands them on."""

    type: ClassVar[str] = "bench.records"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["key"],
        "properties": {"key": {"type": "string"}},
    }

    def read(self) -> Iterator[list[Record]]:
        records, size = GIVEN[self.params["key"]], self.context.job.batch_size
        for start in range(0, len(records), size):
            yield [dict(record) for record in records[start : start + size]]


def run_flow(flow: dict[str, Any], work: Path, **options: Any) -> dict[str, Any]:
    registry = default_registry().extended({GivenInMemory.type: GivenInMemory})
    validated = validate_text(jsonio.dumps_pretty(flow), "bench.json", registry=registry)
    assert validated.ok, validated.diagnostics
    return Runner(validated, RunOptions(work_root=work, **options)).run()


def stored(partner: str) -> int:
    """How many records the partner's stand-in holds: each side must end with every record written."""
    sandbox = stand_ins.stand_in(partner)
    held = {
        "mailchimp": lambda: sandbox.members(),
        "marketo": lambda: sandbox.leads(),
        "campaignmonitor": lambda: sandbox.subscribers(),
        "constantcontact": lambda: sandbox.contacts(),
        "salesforce": lambda: sandbox.records("Account"),
        "sfmc": lambda: sandbox.rows(),
        "bluekai": lambda: sandbox.profiles,
    }[partner]()
    return len(held)


TLS_ONLY = {"campaignmonitor", "salesforce"}  # their raw clients here speak HTTPS only (createsend cannot do else)


def our_params(partner: str, step_type: str) -> dict[str, Any]:
    """The stand-in's connection params for our step, without the tests' quick polling (our side polls as
    shipped), and on the stand-in's TLS listener where the raw client is on it too."""
    params = {
        k: v for k, v in stand_ins.connection(partner, step_type).items() if not k.lower().endswith("pollseconds")
    }
    if partner in TLS_ONLY:
        sandbox = stand_ins.stand_in(partner)
        params = {k: v.replace(sandbox.url, sandbox.tls_url) if isinstance(v, str) else v for k, v in params.items()}
    return params


@contextlib.contextmanager
def trusting(partner: str) -> Iterator[None]:
    """Our steps trust the stand-in's CA (through ``REQUESTS_CA_BUNDLE``) while they talk to its TLS listener."""
    if partner not in TLS_ONLY:
        yield
        return
    previous = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(stand_ins.stand_in(partner).ca_file)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous


def fresh(partner: str) -> Any:
    """A new stand-in registered as the session's one, so ``stand_ins`` clients and params point at it.

    The previous one is stopped and its records collected first: stand-ins left holding every earlier round's
    records made each later run slower (a larger heap for the cyclic GC to walk), whichever side it was."""
    previous = stand_ins._RUNNING.pop(partner, None)
    if previous is not None:
        previous.stop()
    gc.collect()
    return stand_ins.stand_in(partner)


def records_for(partner: str, count: int) -> list[dict[str, Any]]:
    emails = [f"bench{i}@example.org" for i in range(count + 1)]
    return CASES[partner][1](emails[:-1], emails[-1])[:count]


def ours_write(partner: str, records: list[dict[str, Any]], work: Path) -> float:
    writer, _, _, extra = CASES[partner]
    params = {**our_params(partner, writer), **extra}
    flow = {
        "name": "bench",
        "steps": [
            {"id": "given", "type": GivenInMemory.type, "params": {"key": partner}, "next": ["writer"]},
            {"id": "writer", "type": writer, "params": params},
        ],
    }
    GIVEN[partner] = records
    before = stored(partner)
    gc.collect()  # no side pays for the garbage the one before it left
    with trusting(partner):
        started = time.perf_counter()
        status = run_flow(flow, work)
        elapsed = time.perf_counter() - started
    assert status["status"] == "succeeded" and status["counters"]["writer"]["out"] == len(records), status
    assert stored(partner) - before == len(records), f"{partner}: ours left {stored(partner) - before} records"
    return elapsed


def raw_write(partner: str, records: list[dict[str, Any]]) -> float:
    sandbox = stand_ins.stand_in(partner)
    before = stored(partner)
    gc.collect()  # no side pays for the garbage the one before it left
    started = time.perf_counter()
    RAW_WRITERS[partner](sandbox, records)
    elapsed = time.perf_counter() - started
    assert stored(partner) - before == len(records), f"{partner}: the raw client left {stored(partner) - before}"
    return elapsed


def _poll(check: Callable[[], bool]) -> None:
    while not check():
        time.sleep(0.02)


def job_size(partner: str) -> int:
    """Our writer's records per job as shipped: the raw client sends jobs of the same size."""
    schema = default_registry().get(CASES[partner][0]).schema
    return int(schema["properties"]["recordsPerJob"]["default"])


def jobs(partner: str, records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    size = job_size(partner)
    for start in range(0, len(records), size):
        yield records[start : start + size]


def _mailchimp(sandbox: Any, records: list[dict[str, Any]]) -> None:
    client = stand_ins.mailchimp_client()
    for chosen in jobs("mailchimp", records):
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
            for i, r in enumerate(chosen)
        ]
        batch = client.batches.start({"operations": operations})
        status = client.batches.status(batch["id"])
        while status["status"] != "finished":
            time.sleep(0.02)
            status = client.batches.status(batch["id"])
        answers = requests.get(status["response_body_url"], timeout=30)
        answers.raise_for_status()
        with tarfile.open(fileobj=io.BytesIO(answers.content), mode="r:gz") as archive:
            results = [
                item
                for member in archive.getmembers()
                if member.isfile()
                for item in json.load(archive.extractfile(member))  # type: ignore[arg-type]
            ]
        assert len(results) == len(operations) and all(r["status_code"] < 300 for r in results)


def _marketo(sandbox: Any, records: list[dict[str, Any]]) -> None:
    client = stand_ins.marketo_client()
    for chosen in jobs("marketo", records):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
            writer = csv.DictWriter(handle, fieldnames=list(chosen[0]))
            writer.writeheader()
            writer.writerows(chosen)
        batch = client.import_lead("csv", handle.name, lookupField="email")[0]["batchId"]
        _poll(lambda b=batch: client.get_import_lead_status(b)[0]["status"] in ("Complete", "Failed"))
        Path(handle.name).unlink()


def _campaignmonitor(sandbox: Any, records: list[dict[str, Any]]) -> None:
    with stand_ins.createsend_client() as createsend:
        subscriber = createsend.Subscriber({"api_key": sandbox.api_key})
        for chosen in jobs("campaignmonitor", records):
            subscribers = [
                {
                    "EmailAddress": r["EmailAddress"],
                    "Name": r["Name"],
                    "CustomFields": [{"Key": "GigyaUID", "Value": r["GigyaUID"]}],
                }
                for r in chosen
            ]
            result = subscriber.import_subscribers(sandbox.list_id, subscribers, True)
            assert not result.FailureDetails


def _constantcontact(sandbox: Any, records: list[dict[str, Any]]) -> None:
    session = stand_ins.constantcontact_session()
    for chosen in jobs("constantcontact", records):
        items = [{"email": r["Email"], "cf:custom_field_1": r["Custom Field 1"]} for r in chosen]
        activity = session.post(
            f"{sandbox.url}/v3/activities/contacts_json_import",
            timeout=60,
            json={"import_data": items, "list_ids": [sandbox.list_id]},
        ).json()["activity_id"]
        status = session.get(f"{sandbox.url}/v3/activities/{activity}", timeout=30).json()
        while status["state"] != "completed":
            time.sleep(0.02)
            status = session.get(f"{sandbox.url}/v3/activities/{activity}", timeout=30).json()
        assert not status.get("activity_errors")


def _salesforce(sandbox: Any, records: list[dict[str, Any]]) -> None:
    stand_ins.salesforce_client().bulk2.Account.upsert(
        records=records, external_id_field="ZZ00_rtl_id__c", batch_size=job_size("salesforce"), wait=0.02
    )


def _sfmc(sandbox: Any, records: list[dict[str, Any]]) -> None:
    session = stand_ins.sfmc_session()
    base = f"{sandbox.url}/data/v1/async"
    for chosen in jobs("sfmc", records):
        request_id = session.put(
            f"{base}/dataextensions/key:GigyaSubscribers/rows", timeout=60, json={"items": chosen}
        ).json()["requestId"]
        _poll(
            lambda rid=request_id: (
                session.get(f"{base}/{rid}/status", timeout=30).json()["status"]["requestStatus"] == "Complete"
            )
        )
        results = session.get(f"{base}/{request_id}/results", timeout=30).json()["items"]
        assert len(results) == len(chosen) and all(r["status"] == "OK" for r in results)


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
    params = our_params(partner, reader)
    if partner == "campaignmonitor":
        params["status"] = "active"
    if partner == "marketo":
        params["fields"] = "email,firstName,gUID"
    flow = {"name": "bench", "steps": [{"id": "reader", "type": reader, "params": params}]}
    gc.collect()  # no side pays for the garbage the one before it left
    with trusting(partner):
        started = time.perf_counter()
        status = run_flow(flow, work, full_extract=True)
        elapsed = time.perf_counter() - started
    return elapsed, status["counters"]["reader"]["out"]


def raw_read(partner: str) -> tuple[float, int]:
    sandbox = stand_ins.stand_in(partner)
    gc.collect()  # no side pays for the garbage the one before it left
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


def one_round(partner: str, records: list[dict[str, Any]], work: Path) -> dict[str, float]:
    """Seconds for each side's write (and read, with the count read), each side on a fresh stand-in."""
    times: dict[str, float] = {}
    fresh(partner)
    times["ours write"] = ours_write(partner, records, work / "ours-w")
    if partner in READERS:
        times["ours read"], times["ours count"] = ours_read(partner, work / "ours-r")
    fresh(partner)
    times["raw write"] = raw_write(partner, records)
    if partner in READERS:
        times["raw read"], times["raw count"] = raw_read(partner)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds per partner; the best time of each is kept")
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        for partner in args.only.split(","):
            records = records_for(partner, args.records)
            one_round(partner, records[:10], Path(scratch) / f"{partner}-warm")  # imports, first connections
            work = Path(scratch) / partner
            rounds = [one_round(partner, records, work / str(index)) for index in range(max(1, args.repeat))]
            best = {key: min(r[key] for r in rounds) for key in rounds[0]}
            count = len(records)
            row: dict[str, Any] = {
                "partner": partner,
                "records": count,
                "ours write rec/s": count / best["ours write"],
                "raw write rec/s": count / best["raw write"],
                "write ratio": best["raw write"] / best["ours write"],
            }
            if partner in READERS:
                same = all(r["ours count"] == r["raw count"] == count for r in rounds)
                row.update(
                    {
                        "ours read rec/s": count / best["ours read"],
                        "raw read rec/s": count / best["raw read"],
                        "read ratio": best["raw read"] / best["ours read"] if same else float("nan"),
                    }
                )
            print(
                json.dumps(row)
                if args.json
                else "  ".join(f"{k}={v:,.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
