"""The web console: sign in with a site's keys, list its dataflows, edit one (JSON/YAML editor with findings at
their lines, param forms from the components' schemas, the graph drawn), save it as a draft or publish it,
schedule it, test-run it (limit 10), watch its jobs live, read their traces, kill a running one.

Server-rendered pages (Jinja2) and one small script; every change goes through the same functions as the IDX
API (``dataflows.save``, ``schedulings.create``, ``jobs.kill``), so the console and the API cannot disagree.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dataflow.server.console.common import HERE
from dataflow.server.console.flow_pages import delete_flow, edit, flow_list, flow_page, new_flow
from dataflow.server.console.job_pages import job_errors, job_fragment, job_page, kill_job
from dataflow.server.console.schedule_pages import (
    add_scheduling,
    delete_scheduling,
    jobs_fragment,
    test_run,
    toggle_scheduling,
)
from dataflow.server.console.signin_pages import signin, signin_page, signout

ROUTES: list[BaseRoute] = [
    Route("/", flow_list),
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/flows/new", new_flow),
    Route("/flows/edit", edit, methods=["POST"]),
    Route("/flows/{flow_id}", flow_page),
    Route("/flows/{flow_id}/delete", delete_flow, methods=["POST"]),
    Route("/flows/{flow_id}/test-run", test_run, methods=["POST"]),
    Route("/flows/{flow_id}/schedulings", add_scheduling, methods=["POST"]),
    Route("/flows/{flow_id}/jobs", jobs_fragment),
    Route("/schedulings/{scheduling_id}/toggle", toggle_scheduling, methods=["POST"]),
    Route("/schedulings/{scheduling_id}/delete", delete_scheduling, methods=["POST"]),
    Route("/jobs/{job_id}", job_page),
    Route("/jobs/{job_id}/fragment", job_fragment),
    Route("/jobs/{job_id}/kill", kill_job, methods=["POST"]),
    Route("/jobs/{job_id}/errors", job_errors),
    Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
]
