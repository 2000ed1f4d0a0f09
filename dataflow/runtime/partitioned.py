"""The driver of a partitioned job: plans the partitions, hands them to an executor, and finishes the job.

The driver is the job as the rest of the engine knows it (one job id, one status, one trace, one error file,
the lock and the watermark in ``runtime/jobs.py``). It opens only the readers (to ask how they split), sends
the partitions to the executor, and merges what comes back: counters add up per step, trace lines are appended,
partition error files are appended to the job's in partition order. Then it finishes the flow as one run would:
in topological order, a formatter whose partitions wrote files joins them (``Formatter.join``) and passes the
joined files on to the steps after it — compressors, encryptors, writers — which run here, once.

Records flow in partition order: with a file reader that is the single run's order (one partition per file, in
the order the reader lists them); a Gigya account read split by UID has no defined order, in one run or many.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.component import Formatter, Reader
from dataflow.errors import DataflowError, JobKilled
from dataflow.runtime.partition_plan import Plan, plan
from dataflow.runtime.partitions import PartitionTask
from dataflow.runtime.runner import PartitionFailed, Runner, RunOptions
from dataflow.runtime.state import StoreState
from dataflow.validation import ValidatedFlow


class PartitionedRunner(Runner):
    def _steps_to_open(self) -> list[str]:
        return [step_id for step_id in super()._steps_to_open() if self.components[step_id].consumes is None]

    def _execute(self) -> None:
        the_plan = plan(self.graph, self.components, self.options.limit, self._parts_of)
        if the_plan.whole:
            self.job.trace.info(f"the job runs as one partition: {the_plan.reason}")
        else:
            self.job.trace.info(f"the job runs as {len(the_plan.tasks)} partitions")
        order = [step_id for step_id in self.graph.topological_order() if step_id in self.components]
        for step_id in order:
            if step_id not in the_plan.region:
                self._guard(step_id, self.components[step_id].open)
        results = self._run_partitions(the_plan)
        written = {step_id: [result["written"].get(step_id, []) for result in results] for step_id in the_plan.joined}
        for step_id in order:
            if step_id in written:
                self._join(step_id, written[step_id])
            elif step_id not in the_plan.region and self.components[step_id].consumes is not None:
                self._finish(step_id)
        self._report_progress()

    def _parts_of(self, step_id: str) -> list[Any] | None:
        reader = self.components[step_id]
        assert isinstance(reader, Reader)
        return self._guard(step_id, reader.partitions)

    # partitions ------------------------------------------------------------------------------------------
    def _tasks(self, the_plan: Plan) -> list[PartitionTask]:
        options, job = self.options, self.job
        return [
            PartitionTask(
                validated=self.validated,
                job_id=job.job_id,
                index=index,
                count=len(the_plan.tasks),
                reader=reader,
                part=part,
                region=the_plan.region,
                joined=tuple(the_plan.joined),
                started_at=job.now,
                job_work_dir=job.work_dir,
                watermark=options.watermark,
                first_run_window=options.first_run_window,
                full_extract=options.full_extract,
                limit=options.limit,
                log_level=options.log_level,
                batch_size=options.batch_size,
                attempt_number=options.attempt_number,
                api_key=options.api_key,
                environ=dict(options.environ),
                state_location=_state_location(options.state),
            )
            for index, (reader, part) in enumerate(the_plan.tasks)
        ]

    def _run_partitions(self, the_plan: Plan) -> list[dict[str, Any]]:
        tasks = self._tasks(the_plan)
        results: list[dict[str, Any] | None] = [None] * len(tasks)
        stream = self.options.executor.run(tasks, self.job.cancel_event)
        try:
            for result in stream:
                if results[result["index"]] is not None:
                    continue  # an executor may hand back a partition it had to run again; the first result counts
                self._check_visible(result)
                results[result["index"]] = result
                for step_id, counts in result["counters"].items():
                    self.components[step_id].counters.add(counts)
                self.job.trace.extend(result["trace"])
                self._report_progress()
                if result["status"] != "succeeded":
                    break  # the job fails (or was killed): the other partitions are stopped
        finally:
            stream.close()
        self.job.check_cancelled()
        received = [result for result in results if result is not None]
        for result in received:  # in partition order, so the error file reads as one run's would
            if result["errorFile"]:
                self.failed_to_error_file += self.error_file.append_from(Path(result["errorFile"]))
        for result in received:
            if result["status"] == "killed":
                raise JobKilled("the job was killed")
            if result["status"] != "succeeded":
                where = tasks[result["index"]].describe()
                raise PartitionFailed(result["errorMessage"] or f"{where} failed", result.get("errorDetails"))
        if len(received) != len(tasks):
            raise DataflowError(f"the executor returned {len(received)} of {len(tasks)} partitions")
        return received

    def _check_visible(self, result: dict[str, Any]) -> None:
        """Part files must be where the driver can read them: workers elsewhere need a shared work directory."""
        if not Path(result["workDir"]).is_dir():
            raise DataflowError(
                f"the work directory of partition {result['index'] + 1} ({result['workDir']}) is not visible to "
                "this process: workers on other machines need the jobs directory on storage shared with it"
            )

    # joining -----------------------------------------------------------------------------------------------
    def _join(self, step_id: str, partitions: list[list[dict[str, Any]]]) -> None:
        formatter = self.components[step_id]
        assert isinstance(formatter, Formatter)
        files = self._guard(step_id, lambda: formatter.join(partitions))
        formatter.counters.files_out = len(files)
        if files:
            self._emit(step_id, files)


def _state_location(state: Any) -> str | None:
    """Where partitions find the job's connector state: its store's location (None: state in memory, per run)."""
    backend = getattr(state, "backend", None) if isinstance(state, StoreState) else None
    return getattr(backend, "location", None)


def make_runner(validated: ValidatedFlow, options: RunOptions) -> Runner:
    """The runner for a job: in-process, or the driver of a partitioned run when an executor is given."""
    return PartitionedRunner(validated, options) if options.executor is not None else Runner(validated, options)
