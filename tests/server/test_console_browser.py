"""The web console in a real browser (Playwright driving Debian's chromium): author a flow, see a finding at its
line, fix it, use a step's param form, publish, schedule it, watch the job's counters move without a reload,
read its trace; test-run and kill a running job. Screenshots land in ``test-output/console/``.

Needs /usr/bin/chromium (``.ci/run`` installs it); skipped without it, except under CI where that is a failure.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataflow.runtime.jobs import KILL_POLL_SECONDS
from tests.ops.conftest import Gate
from tests.server.conftest import SITE_A, Served, gated_flow, slow_flow

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"
# The machine's network is closed: chromium must not try its background connections.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required for the console tests (.ci/run installs it)")
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, served: Served):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(served.url + "/")
    yield page
    context.close()


def sign_in(page, site: dict[str, str] = SITE_A) -> None:
    page.fill("input[name=apiKey]", site["apiKey"])
    page.fill("input[name=userKey]", site["userKey"])
    page.fill("input[name=secret]", site["secret"])
    page.click("button[type=submit]")
    page.wait_for_selector("#new-flow")


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_author_validate_publish_schedule_watch_and_read_the_trace(page, served: Served) -> None:
    assert page.url.endswith("/signin")
    page.fill("input[name=apiKey]", SITE_A["apiKey"])
    page.fill("input[name=userKey]", SITE_A["userKey"])
    page.fill("input[name=secret]", "d3Jvbmc=")
    page.click("button[type=submit]")
    assert "These keys do not open any site." in page.inner_text("[role=alert]")
    sign_in(page)
    shot(page, "01-dataflows-empty")

    # author: a flow with a misspelt param, validated in the editor
    page.click("#new-flow")
    flow = slow_flow("console flow", batches=12, seconds=0.25)
    flow["steps"][1]["params"] = {"secondz": 0.25}
    text = json.dumps(flow, indent=2)
    bad_line = next(n for n, line in enumerate(text.splitlines(), 1) if '"secondz"' in line)
    page.fill("#text", text)
    page.click("#validate")
    finding = page.locator("#findings li").first
    assert finding.get_attribute("data-line") == str(bad_line)
    assert "unknown param 'secondz'; did you mean 'seconds'?" in finding.inner_text()
    marked = page.locator(f".gutter span[data-line='{bad_line}']")
    assert marked.get_attribute("class") == "bad" and "secondz" in marked.get_attribute("title")
    assert page.locator("svg.dag g.step.marked").get_attribute("data-step") == "slow"
    shot(page, "02-editor-finding-at-its-line")
    page.click("#publish")  # refused while there are findings
    assert "Not published: 1 problem(s)" in page.inner_text("[role=alert]")

    # fix it, change a param through the step's form, publish
    page.fill("#text", text.replace('"secondz"', '"seconds"'))
    page.click("#validate")
    assert page.inner_text("#valid") == "Valid: no problems found."
    assert page.locator("svg.dag g.step").count() == 3 and page.locator("svg.dag path.edge.next").count() == 2
    page.select_option("#step-select", "slow")
    page.wait_for_selector("input[name='param.seconds']")
    page.fill("input[name='param.seconds']", "0.3")
    page.click("#apply-params")
    assert '"seconds": 0.3' in page.input_value("#text")
    page.click("#publish")
    assert "Published: version 1" in page.inner_text("[role=status]")
    assert page.inner_text(".versions .pill") == "published v1"
    shot(page, "03-published")

    # schedule it once, now; follow the job while it runs
    page.fill("#schedule-form input[name=name]", "once now")
    page.click("#add-schedule")
    assert "Scheduled 'once now'." in page.inner_text("[role=status]")
    page.wait_for_selector("#jobs-table a")
    page.click("#jobs-table a")
    page.wait_for_selector("#job-status")
    page.evaluate("window.__notReloaded = true")
    page.wait_for_function(
        "() => { const row = document.querySelector('#counters tr[data-step=slow]');"
        " return row && Number(row.children[1].textContent) > 0 &&"
        " document.querySelector('#job-status').textContent === 'running'; }"
    )
    live_in = int(page.locator("#counters tr[data-step=slow] td").nth(1).inner_text())
    shot(page, "04-job-running-live-counters")
    page.wait_for_function("() => document.querySelector('#job-status').textContent === 'succeeded'", timeout=20_000)
    assert page.evaluate("window.__notReloaded") is True  # the page followed the job on its own
    assert 0 < live_in <= 24
    assert page.inner_text("#counters tr[data-step=sink]").split()[1:3] == ["24", "24"]
    trace = page.inner_text("#trace")
    assert "started: dataflow 'console flow'" in trace and "job succeeded" in trace
    shot(page, "05-job-succeeded-trace")

    # the list shows the version and the last successful run; the schedule can be disabled
    page.click("text=console flow")
    assert "last successful run: 20" in page.inner_text(".versions")
    page.click("#schedulings tr[data-scheduling='once now'] button.toggle")
    assert "Disabled 'once now'." in page.inner_text("[role=status]")
    assert "disabled" in page.inner_text("#schedulings tr[data-scheduling='once now']")
    page.click(".brand")
    row = page.inner_text("#flows tbody tr")
    assert "console flow" in row and "v1" in row and "succeeded" in row
    shot(page, "06-dataflows")


def test_test_run_and_kill_a_running_job(page, served: Served) -> None:
    flow_id = served.client().ok("idx.createDataflow", data=gated_flow("gated in the console"))["id"]
    sign_in(page)
    page.click("text=gated in the console")
    page.click("#test-run")
    assert "Test run started (10 records)." in page.inner_text("[role=status]")
    page.wait_for_selector("#jobs-table a")
    assert page.inner_text("#jobs-table tbody tr td:last-child") == "10"  # the test run's limit
    page.click("#jobs-table a")
    assert page.inner_text("#job-status") == "running"
    assert Gate.entered.wait(10)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#kill")
    assert "Kill requested" in page.inner_text("[role=status]")
    time.sleep(3 * KILL_POLL_SECONDS)  # the job's watcher turns the request into a cancel
    Gate.opened.set()
    page.wait_for_function("() => document.querySelector('#job-status').textContent === 'killed'")
    assert "the job was killed" in page.inner_text("#job-live")
    assert page.locator("#kill").count() == 0
    shot(page, "07-job-killed")
    job = served.ctx.store.list_jobs(flow_id, site=SITE_A["apiKey"])[0]
    assert (job["status"], job["limit"]) == ("killed", 10)
