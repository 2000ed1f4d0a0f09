"""``datasource.read.silverpop``: the contacts of a Silverpop database as records (ExportList), or its contact
events, such as opt-outs (RawRecipientDataExport).

Either way a data job is started, waited for, its CSV downloaded from ``download/`` over SFTP (and deleted
there) and parsed into records keyed by the file's header, values as text:

- contacts (the default): Silverpop column names (``GigyaUid``, ``EMAIL``, ``Opted Out``...), ``columns`` only or
  every column. With ``delta`` the export is limited to contacts modified within the job's delta window;
- ``events`` (e.g. ``["OPTOUTS"]``): one record per event with ``Recipient Id``, ``Email``, ``Event Type``,
  ``Event Timestamp`` (GMT, ``MM/dd/yyyy HH:mm:ss``) and the database ``columns`` asked for (the Gigya UID
  column). Events are what changed, not what a contact looks like now: an import that touches every contact
  (our own outbound sync) makes no opt-out event, where it would move every contact's last-modified date. The
  window is the job's delta window (everything on a full extract).

Dates go to Silverpop as GMT ``DATE_START``/``DATE_END`` (``EVENT_DATE_*`` for events).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Reader, Record
from steps.silverpop import ops
from steps.silverpop.base import SilverpopStep
from steps.silverpop.settings import check_id
from steps.silverpop.values import names

Submit = Callable[[], tuple[int, str]]


class ReadSilverpop(SilverpopStep, Reader):
    """Export the database ``listId`` (ExportList), or its contact ``events``, and emit them as records."""

    type: ClassVar[str] = "datasource.read.silverpop"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        yield from check_id(params, "listId")

    def read(self) -> Iterator[list[Record]]:
        job = self.context.job
        list_id = str(self.params["listId"]).strip()
        columns = names(self.params.get("columns"))
        events = list(self.params.get("events") or [])
        since = until = None
        if (self.params.get("delta") or events) and job.delta_since is not None:
            since, until = job.delta_since, job.now
        window = f"{ops.request_date(since)} - {ops.request_date(until)} GMT" if since and until else "all"
        if events:
            what = f"RawRecipientDataExport of {list_id} ({', '.join(events)}, {window})"
            yield from self._export(
                lambda: ops.raw_recipient_data_export(self.client, [list_id], events, columns, since, until), what
            )
            return
        export_type = str(self.params.get("exportType") or "ALL")
        modified = f"modified {window}" if since else "all"
        yield from self._export(
            lambda: ops.export_list(self.client, list_id, export_type, columns, since, until),
            f"ExportList of {list_id} ({export_type}, {modified})",
        )

    def _export(self, submit: Submit, what: str) -> Iterator[list[Record]]:
        local = self.export_file(submit, what)
        file_name = local.name
        count = 0
        with open(local, encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if header is None:
                self.context.info(f"{file_name}: nothing exported")
                return
            batch: list[Record] = []
            limit = self.batch_limit()
            for row in rows:
                if not row:
                    continue
                batch.append(dict(zip(header, row, strict=False)))
                if len(batch) >= limit:
                    count += len(batch)
                    yield batch
                    batch, limit = [], self.batch_limit()
            if batch:
                count += len(batch)
                yield batch
        self.context.info(f"read {count:,} rows from {file_name}")
