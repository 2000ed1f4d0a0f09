"""Runs a validated dataflow as one job: records stream through the DAG a batch at a time.

Readers yield batches; each batch is pushed depth-first through the steps downstream, so memory holds a few
batches whatever the job's size. Fan-out hands each branch its own copy; fan-in is simply several
upstreams pushing into one step. When every reader is exhausted, steps are finished in topological order,
so a formatter emits its last file only after everything upstream of it is done. Items a step rejects go
down its ``error`` path with ``_errorDetails``, or into the job's error file.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from dataflow import jsonio, placeholders, schemas
from dataflow.clock import Clock, iso, utc_now
from dataflow.component import Component
from dataflow.errors import DataflowError, FlowInvalid, JobKilled
from dataflow.fieldpath import clone
from dataflow.files import FileRef
from dataflow.runtime.context import JobContext, StepContext
from dataflow.runtime.errorfile import ErrorFile
from dataflow.runtime.home import jobs_dir
from dataflow.runtime.redaction import Redactor
from dataflow.runtime.state import ConnectorState, MemoryState
from dataflow.runtime.trace import Trace
from dataflow.validation import ValidatedFlow

DEBUG_SAMPLE = 3  # IdentitySync's debug level logs a batch of 3 records between steps
TRACED_FAILURES_PER_STEP = 10
PROGRESS_INTERVAL = 0.25  # seconds between progress updates
_SECRET_ENV_SUFFIXES = ("SECRET", "PASSWORD", "TOKEN", "PRIVATE_KEY", "PASSPHRASE")


@dataclass
class RunOptions:
    limit: int | None = None
    log_level: str = "info"
    full_extract: bool = False
    watermark: datetime | None = None  # start of the flow's last successful run, from the state store
    first_run_window: timedelta = timedelta(hours=24)  # delta window when there is no watermark yet
    batch_size: int = 1000
    job_id: str | None = None
    attempt_number: int = 1
    api_key: str | None = None
    work_root: Path | None = None
    clock: Clock = utc_now
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    cancel_event: threading.Event = field(default_factory=threading.Event)  # set it to kill the job
    on_progress: Callable[[dict[str, dict[str, int]]], None] | None = None
    on_trace: Callable[[str], None] | None = None
    state: ConnectorState | None = None  # connector state kept between jobs; in memory for this runner if None
    # Partitioned runs: the executor that runs partitions (the driver's; see runtime/partitioned.py), and, for
    # a partition, the job's start (placeholders and delta windows match the driver's) and its own work dir.
    executor: Any = None
    started_at: datetime | None = None
    work_dir: Path | None = None


class PartitionFailed(DataflowError):
    """A partition of the job failed: the job fails with the partition's own message and details."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class StepFailure(DataflowError):
    """A component raised something other than a record-level error: the job fails, naming the step."""

    def __init__(self, step_id: str, step_type: str, cause: BaseException) -> None:
        reason = str(cause) or type(cause).__name__
        super().__init__(f"step '{step_id}' ({step_type}) failed: {reason}")
        self.step_id = step_id
        self.cause = cause


def dataflow_id(validated: ValidatedFlow) -> str:
    assert validated.flow is not None
    if validated.flow.id:
        return validated.flow.id
    return hashlib.sha1(str(Path(validated.flow.file).resolve()).encode()).hexdigest()[:32]


class Runner:
    kind: ClassVar[str] = "job"

    def __init__(self, validated: ValidatedFlow, options: RunOptions | None = None) -> None:
        if not validated.ok or validated.graph is None or validated.flow is None:
            raise FlowInvalid(validated.diagnostics)
        self.validated = validated
        self.flow = validated.flow
        self.graph = validated.graph
        self.options = options or RunOptions()
        self.components: dict[str, Component] = {}
        self._next: dict[str, list[str]] = {}
        self._error: dict[str, list[str]] = {}
        self._sampled: set[tuple[str, str]] = set()
        self._traced_failures: dict[str, int] = {}
        self.failed_to_error_file = 0
        self._last_progress = 0.0

    # public -------------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        options = self.options
        start = options.started_at or options.clock()
        job = self._job_context(start)
        self.job = job
        self.error_file = ErrorFile(job.work_dir / "errors.jsonl", job.redactor)
        status = "running"
        failure: str | None = None
        detail: str | None = None
        job.trace.info(f"{self.describe()} started: dataflow '{self.flow.name}' (attempt {options.attempt_number})")
        try:
            self._build(job)
            self._execute()
            status = "succeeded"
        except (JobKilled, KeyboardInterrupt):
            status = "killed"
            failure = "the job was killed"
        except PartitionFailed as problem:
            status, failure, detail = "failed", problem.message, problem.detail
        except StepFailure as problem:
            status, failure = "failed", str(problem)
            detail = "".join(traceback.format_exception(problem.cause))
        except Exception as problem:  # a bug or an unexpected environment problem: fail the job, say what
            status, failure = "failed", f"{type(problem).__name__}: {problem}"
            detail = traceback.format_exc()
        finally:
            self._close_all()
            self.error_file.close()
        if failure:
            job.trace.error(failure)
        job.trace.info(f"{self.kind} {status}")
        end = options.clock()
        return self._status(job, start, end, status, failure, detail)

    def describe(self) -> str:
        """How the trace names this run ("job ID"; a partition says which part of which job it is)."""
        return f"{self.kind} {self.job.job_id}"

    # setup --------------------------------------------------------------------------------------------
    def _job_context(self, start: datetime) -> JobContext:
        options = self.options
        job_id = options.job_id or uuid.uuid4().hex
        redactor = Redactor(
            value for name, value in options.environ.items() if name.upper().endswith(_SECRET_ENV_SUFFIXES)
        )
        trace = Trace(options.log_level, redactor, clock=options.clock, listener=options.on_trace)
        api_key = options.api_key or options.environ.get("GIGYA_API_KEY") or self.flow.data.get("apiKey")
        work_dir = options.work_dir or (options.work_root or jobs_dir()) / job_id
        work_dir.mkdir(parents=True, exist_ok=True)
        return JobContext(
            job_id=job_id,
            dataflow_id=dataflow_id(self.validated),
            dataflow_name=self.flow.name,
            work_dir=work_dir,
            now=start,
            trace=trace,
            placeholders=placeholders.PlaceholderContext(
                now=start, job_id=job_id, api_key=api_key, environ=options.environ
            ),
            redactor=redactor,
            limit=options.limit,
            full_extract=options.full_extract,
            delta_since=None if options.full_extract else (options.watermark or start - options.first_run_window),
            environ=options.environ,
            batch_size=options.batch_size,
            cancel_event=options.cancel_event,
            state=options.state if options.state is not None else MemoryState(),
        )

    def _steps_to_build(self) -> set[str]:
        """The steps this run builds: all of them (a partition builds only its part of the graph)."""
        return {step.id for step in self.flow.steps}

    def _steps_to_open(self) -> list[str]:
        return [step_id for step_id in self.graph.topological_order() if step_id in self.components]

    def _build(self, job: JobContext) -> None:
        wanted = self._steps_to_build()
        for step in self.flow.steps:
            if step.id not in wanted:
                continue
            info = self.validated.components[step.id]
            params = schemas.with_defaults(info.schema, step.params)
            secret = schemas.secret_params(info.schema)
            job.redactor.add(*(str(params[name]) for name in secret if params.get(name)))
            try:
                rendered = placeholders.render_params(params, job.placeholders, skip=info.cls.raw_params)
                # a secret given as ${env:NAME} is known only now
                job.redactor.add(*(str(rendered[name]) for name in secret if rendered.get(name)))
                component = info.cls(rendered, StepContext(step.id, step.type, job))
            except Exception as problem:
                raise StepFailure(step.id, step.type, problem) from problem
            self.components[step.id] = component
        for step_id in self.components:
            self._next[step_id] = [s for s in self.graph.successors(step_id, "next") if s in self.components]
            self._error[step_id] = [s for s in self.graph.successors(step_id, "error") if s in self.components]
        self._configure()
        for step_id in self._steps_to_open():
            self._guard(step_id, self.components[step_id].open)

    def _configure(self) -> None:
        """Between building and opening the components (a partition tells its reader which part to read)."""

    def _close_all(self) -> None:
        for step_id, component in self.components.items():
            try:
                component.close()
            except Exception as problem:
                self.job.trace.error(f"closing failed: {problem}", step_id)

    # streaming ------------------------------------------------------------------------------------------
    def _execute(self) -> None:
        order = [step_id for step_id in self.graph.topological_order() if step_id in self.components]
        for step_id in order:
            if self.components[step_id].consumes is None:
                self._read(step_id)
        for step_id in order:
            if self.components[step_id].consumes is not None:
                self._finish(step_id)
        self._report_progress()

    def _read(self, step_id: str) -> None:
        source = self.components[step_id].source()
        while True:
            batch = self._guard(step_id, lambda: next(source, None))
            if batch is None:
                break
            self._emit(step_id, batch)

    def _finish(self, step_id: str) -> None:
        outputs = self.components[step_id].finish()
        while True:
            output = self._guard(step_id, lambda: next(outputs, None))
            if output is None:
                break
            self._route_rejected(step_id)
            self._emit(step_id, output)
        self._route_rejected(step_id)

    def _deliver(self, step_id: str, batch: list) -> None:
        self.job.check_cancelled()
        self._report_progress(throttled=True)
        component = self.components[step_id]
        outputs = component.feed(batch)
        while True:
            output = self._guard(step_id, lambda: next(outputs, None))
            if output is None:
                break
            self._route_rejected(step_id)
            if output:
                self._emit(step_id, output)
        self._route_rejected(step_id)

    def _emit(self, step_id: str, items: list) -> None:
        self._fan_out(step_id, self._next[step_id], items)

    def _fan_out(self, step_id: str, targets: list[str], items: list) -> None:
        if not targets or not items:
            return
        is_records = not isinstance(items[0], FileRef)
        copies: list[list] = []
        for _ in targets[1:]:
            copies.append([clone(item) for item in items] if is_records else list(items))
        copies.append(items)
        for target, batch in zip(targets, copies, strict=True):
            if self.job.trace.enabled("debug"):
                self._sample(step_id, target, batch)
            self._deliver(target, batch)

    def _route_rejected(self, step_id: str) -> None:
        component = self.components[step_id]
        rejected = component.drain_rejected()
        if not rejected:
            return
        targets = self._error[step_id]
        if targets:
            failed = [self._with_error_details(step_id, item, message, details) for item, message, details in rejected]
            self._fan_out(step_id, targets, failed)
            return
        for item, message, details in rejected:
            self.error_file.write(step_id, component.context.step_type, item, message, details)
            self.failed_to_error_file += 1
            traced = self._traced_failures.get(step_id, 0)
            if traced < TRACED_FAILURES_PER_STEP:
                self.job.trace.error(f"record failed: {message}", step_id)
            elif traced == TRACED_FAILURES_PER_STEP:
                self.job.trace.error("more records failed; see the job's error file", step_id)
            self._traced_failures[step_id] = traced + 1

    @staticmethod
    def _with_error_details(step_id: str, item: Any, message: str, details: dict[str, Any]) -> Any:
        if isinstance(item, dict):
            item["_errorDetails"] = {"errorMessage": message, "stepId": step_id, **details}
        return item

    def _sample(self, source: str, target: str, batch: list) -> None:
        if (source, target) in self._sampled:
            return
        self._sampled.add((source, target))
        for item in batch[:DEBUG_SAMPLE]:
            shown = {"file": item.name, "size": item.size} if isinstance(item, FileRef) else item
            self.job.trace.debug(f"{source} → {target}: {jsonio.dumps(shown)}", source)

    def _guard(self, step_id: str, action: Callable[[], Any]) -> Any:
        """Run ``action`` for ``step_id``; anything but a kill becomes a failure that names the step."""
        try:
            return action()
        except (StepFailure, JobKilled, KeyboardInterrupt):
            raise
        except Exception as problem:
            component = self.components.get(step_id)
            step_type = component.context.step_type if component else "?"
            raise StepFailure(step_id, step_type, problem) from problem

    def _report_progress(self, throttled: bool = False) -> None:
        """Hand the counters to the progress display, at most a few times a second while data flows."""
        if self.options.on_progress is None:
            return
        now = time.monotonic()
        if throttled and now - self._last_progress < PROGRESS_INTERVAL:
            return
        self._last_progress = now
        self.options.on_progress(self.counters())

    # status ---------------------------------------------------------------------------------------------
    def counters(self) -> dict[str, dict[str, int]]:
        result = {}
        for step in self.flow.steps:
            component = self.components.get(step.id)
            if component is None:
                continue
            with_files = "files" in (component.consumes, component.produces)
            result[step.id] = component.counters.as_dict(with_files)
        return result

    def _status(
        self,
        job: JobContext,
        start: datetime,
        end: datetime,
        status: str,
        failure: str | None,
        detail: str | None,
    ) -> dict[str, Any]:
        total = sum(
            c.counters.in_
            for c in self.components.values()
            if c.produces == "records" and c.consumes in (None, "files")
        )
        errors = sum(c.counters.errors for c in self.components.values())
        document: dict[str, Any] = {
            "id": job.job_id,
            "dataflowId": job.dataflow_id,
            "dataflowName": job.dataflow_name,
            "status": status,
            "createTime": iso(start),
            "updateTime": iso(end),
            "startTime": iso(start),
            "endTime": iso(end),
            "hostName": socket.gethostname(),
            "attemptNumber": self.options.attempt_number,
            "logLevel": self.options.log_level,
            "fullExtract": self.options.full_extract,
            "deltaSince": iso(job.delta_since) if job.delta_since else None,
            "limit": self.options.limit,
            "totalRecords": total,
            # records read that no step failed (a record failing in two steps counts twice; never below 0)
            "processedRecords": max(0, total - errors),
            "failedRecords": self.failed_to_error_file,
            "counters": self.counters(),
            "errorFile": self.error_file.location,
            "workDir": str(job.work_dir),
            "trace": job.trace.snapshot(),
        }
        if failure:
            document["errorMessage"] = job.redactor.redact(failure)
        if detail:
            document["errorDetails"] = job.redactor.redact(detail)
        (job.work_dir / "status.json").write_text(jsonio.dumps_pretty(document), encoding="utf-8")
        return document


def run(validated: ValidatedFlow, options: RunOptions | None = None) -> dict[str, Any]:
    return Runner(validated, options).run()
