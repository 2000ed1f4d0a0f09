"""The component contract: a small class with a params schema and one method to override.

Components are found through the registry by their IdentitySync ``type``. Each declares what it
``consumes`` and ``produces`` (``records`` or ``files``; ``None`` for "nothing": a reader consumes nothing).
The runner owns batching, counters, error routing and the record budget; a component only transforms.

Roles and the one method each overrides:

==================  ===================  =========================================================
role                kinds                override
==================  ===================  =========================================================
``Reader``          → records | files    ``read()`` yields batches (lists)
``RecordStep``      records → records    ``process(record)`` or, for speed, ``process_batch(records)``
``FileStep``        files → files        ``process_file(file)`` returns the file(s) to pass on
``Formatter``       records → files      ``write(records)`` and ``finish()``
``Parser``          files → records      ``parse(file)`` yields batches of records
==================  ===================  =========================================================

A record-level failure is reported with ``raise RecordError(...)`` from the per-item methods, or with
``self.reject(item, reason)`` from batch methods; the runner sends it down the step's ``error`` path.

Partitioned runs (an executor such as Dask) add three small hooks: a reader may say how its read splits
(``Reader.partitions``), a step says whether it may run split at all (``partition_problem``), and a formatter
joins what its partitions wrote into what one run writes (``Formatter.join``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from dataflow.counters import Counters
from dataflow.errors import RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext

Kind = Literal["records", "files"]
Record = dict[str, Any]


@dataclass(frozen=True)
class ParamProblem:
    """A problem in a param found by ``Component.check_params``: where (path inside params) and what."""

    path: tuple[str | int, ...]
    message: str
    offset: int | None = None  # index inside the string at ``path`` (e.g. the column in an expression)


class Component:
    """Base of every component. Subclass one of the roles below, not this."""

    type: ClassVar[str] = ""
    consumes: ClassVar[Kind | None] = None
    produces: ClassVar[Kind | None] = None
    # What goes down this step's ``error`` path; None means "what the step consumes" (see ``failure_kind``).
    fails: ClassVar[Kind | None] = None
    # The external service the component talks to ("gigya", "silverpop", "sftp"), or None: the conformance
    # suite points such a component's examples at a local stand-in of that service.
    needs_service: ClassVar[str | None] = None
    # Params whose strings are passed through as written (no ${...} placeholders): scripts, regexes.
    raw_params: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        """Why this step cannot run split over partitions of the job's input, or None when it can.

        A step may run in partitions when handling the items of each partition on its own, in separate
        processes, and adding up the counters gives what one run gives. The roles that handle one item at a
        time say so; any other component is assumed to keep state across items until it says otherwise.
        """
        return "it may keep state across items (it does not declare that it can run in partitions)"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        """Checks a schema cannot express (an expression's syntax, a script that must compile), at load time.

        Called only when the params passed their schema, with schema defaults filled in and placeholders not yet
        rendered. Yield one ``ParamProblem`` per problem; ``offset`` points inside a string value.
        """
        return ()

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        self.params = params
        self.context = context
        self.counters = Counters()
        self._rejected: list[tuple[Any, str, dict[str, Any]]] = []
        self.rejected_total = 0  # never reset: roles count failures by its growth, the runner drains the list

    # lifecycle -------------------------------------------------------------------------------------
    def open(self) -> None:
        """Acquire resources (connections, files) before the first item arrives."""

    def close(self) -> None:
        """Release resources; called once, whether the job succeeded or not."""

    # failures --------------------------------------------------------------------------------------
    def reject(self, item: Any, message: str, **details: Any) -> None:
        """Send ``item`` down the error path with ``message``; the job goes on."""
        self._rejected.append((item, message, details))
        self.rejected_total += 1

    def drain_rejected(self) -> list[tuple[Any, str, dict[str, Any]]]:
        rejected, self._rejected = self._rejected, []
        return rejected

    def batch_limit(self) -> int:
        """Records to gather before handing a batch on: the job's batch size, or less near the ``--limit``."""
        job = self.context.job
        if job.limit is None:
            return job.batch_size
        return max(1, min(job.batch_size, job.limit - job.taken))

    # the runner's entry points (implemented by the roles) --------------------------------------------
    def feed(self, batch: list) -> Iterator[list]:
        """Take one batch of input; yield zero or more output batches."""
        raise NotImplementedError

    def finish(self) -> Iterator[list]:
        """End of the input stream: yield what is still held (e.g. the last file of a formatter)."""
        return iter(())

    def source(self) -> Iterator[list]:
        raise TypeError(f"{self.type} is not a reader")


class Reader(Component):
    """Emits records or files from outside the job. Override ``read``."""

    produces: ClassVar[Kind | None] = "records"
    # The one partition this instance reads (one of what ``partitions`` returned), set before ``open``; None
    # reads everything.
    partition: Any = None

    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        return None

    def partitions(self) -> list[Any] | None:
        """How this read splits into parts that can be read independently, or None when it does not split.

        Called on an opened reader, before anything is read. Each part is a small picklable value (a file
        name, a query condition); together they must cover exactly what ``read`` reads, each item once, and
        listed in the order a single read would produce them where that order is defined.
        """
        return None

    def read(self) -> Iterator[list]:
        raise NotImplementedError

    def source(self) -> Iterator[list]:
        job = self.context.job
        counts_records = self.produces == "records"
        for batch in self.read():
            job.check_cancelled()
            if counts_records:
                granted = job.take(len(batch))
                if granted < len(batch):
                    batch = batch[:granted]
            if batch:
                self.counters.in_ += len(batch)
                self.counters.out += len(batch)
                if not counts_records:
                    self.counters.files_out += len(batch)
                yield batch
            if counts_records and job.budget_exhausted:
                self.context.info(f"record limit {job.limit} reached; stopping the read")
                return


class _SameKindStep(Component):
    """Items in, items of the same kind out; counts settle per batch."""

    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        return None  # one item at a time; a subclass that keeps state across items overrides this

    def process_batch(self, items: list) -> list:
        raise NotImplementedError

    def feed(self, batch: list) -> Iterator[list]:
        before = self.rejected_total
        output = self.process_batch(batch)
        self.counters.settle(len(batch), len(output), self.rejected_total - before)
        if output:
            yield output


class RecordStep(_SameKindStep):
    """Records in, records out. Override ``process`` (or ``process_batch`` where a loop in one place is faster).

    ``process`` returns the record to pass it on, ``None`` to drop it, or a list to emit several.
    """

    consumes: ClassVar[Kind | None] = "records"
    produces: ClassVar[Kind | None] = "records"

    def process(self, record: Record) -> Record | list[Record] | None:
        raise NotImplementedError

    def process_batch(self, items: list) -> list:
        process = self.process
        output: list[Record] = []
        append = output.append
        for record in items:
            try:
                result = process(record)
            except RecordError as failure:
                self.reject(record, failure.message, **failure.details)
                continue
            if result is None:
                continue
            if type(result) is list:
                output.extend(result)
            else:
                append(result)
        return output


class FileStep(_SameKindStep):
    """Files in, files out (compress, encrypt, upload). Override ``process_file``."""

    consumes: ClassVar[Kind | None] = "files"
    produces: ClassVar[Kind | None] = "files"

    def process_file(self, file: FileRef) -> FileRef | list[FileRef] | None:
        raise NotImplementedError

    def process_batch(self, items: list) -> list:
        output: list[FileRef] = []
        for file in items:
            self.context.job.check_cancelled()
            try:
                result = self.process_file(file)
            except RecordError as failure:
                self.reject(file, failure.message, **failure.details)
                continue
            if isinstance(result, list):
                output.extend(result)
            elif result is not None:
                output.append(result)
        self.counters.files_in += len(items)
        self.counters.files_out += len(output)
        return output


class Formatter(Component):
    """Records in, files out. Override ``write`` (spill records to disk) and ``finish_files``.

    ``write`` may return files that are complete already (size rollover); ``finish_files`` returns the rest.
    Formatters never hold a whole stream in memory.
    """

    consumes: ClassVar[Kind | None] = "records"
    produces: ClassVar[Kind | None] = "files"

    def write(self, records: list[Record]) -> list[FileRef]:
        raise NotImplementedError

    def finish_files(self) -> list[FileRef]:
        raise NotImplementedError

    # partitions ---------------------------------------------------------------------------------------
    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        if cls.join is Formatter.join:
            return "it cannot join the files of several partitions into what one run writes"
        return None

    def written(self) -> list[dict[str, Any]]:
        """What this instance wrote, as picklable descriptions its ``join`` understands (one per file)."""
        return []

    def join(self, partitions: list[list[dict[str, Any]]]) -> list[FileRef]:
        """The files one run would have written, from what each partition wrote (``written``), in order.

        Called on an instance built for the job (not opened, fed nothing); the joined files belong in its
        own work directory. Counters are the runner's business, not the join's.
        """
        raise NotImplementedError

    def feed(self, batch: list) -> Iterator[list]:
        before = self.rejected_total
        files = self.write(batch)
        rejected = self.rejected_total - before
        self.counters.settle(len(batch), len(batch) - rejected, rejected)
        if files:
            self.counters.files_out += len(files)
            yield files

    def finish(self) -> Iterator[list]:
        files = self.finish_files()
        if files:
            self.counters.files_out += len(files)
            yield files


class Parser(Component):
    """Files in, records out. Override ``parse`` to yield batches of records from one file.

    Counters are in rows: ``in`` counts rows read (good and bad), ``out`` records emitted. Bad rows are
    reported with ``self.reject(raw_row_record, reason)``.
    """

    consumes: ClassVar[Kind | None] = "files"
    produces: ClassVar[Kind | None] = "records"
    fails: ClassVar[Kind | None] = "records"  # bad rows, not whole files

    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        return None  # one file at a time

    def parse(self, file: FileRef) -> Iterable[list[Record]]:
        raise NotImplementedError

    def feed(self, batch: list) -> Iterator[list]:
        job = self.context.job
        for file in batch:
            if job.budget_exhausted:
                return
            self.counters.files_in += 1
            seen = self.rejected_total
            for records in self._parse_guarded(file):
                job.check_cancelled()
                granted = job.take(len(records))
                if granted < len(records):
                    records = records[:granted]
                rejected, seen = self.rejected_total - seen, self.rejected_total
                self.counters.settle(len(records) + rejected, len(records), rejected)
                if records:
                    yield records
                if job.budget_exhausted:
                    self.context.info(f"record limit {job.limit} reached; stopping the parse")
                    return
            rejected = self.rejected_total - seen
            if rejected:
                self.counters.settle(rejected, 0, rejected)

    def _parse_guarded(self, file: FileRef) -> Iterator[list[Record]]:
        """``parse``, with a file-level ``RecordError`` (unreadable header) turned into one failed record."""
        try:
            yield from self.parse(file)
        except RecordError as failure:
            self.reject({"fileName": file.name, **failure.details}, failure.message)


def failure_kind(component: type[Component]) -> Kind | None:
    """The kind of the items a step sends down its ``error`` path."""
    return component.fails or component.consumes or component.produces
