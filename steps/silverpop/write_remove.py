"""``datasource.write.silverpop.remove``: contacts deleted in Gigya leave Silverpop too.

Each record names one Gigya UID (``uidField``; an audit-log entry of ``accounts.deleteAccount`` carries it in
``params.UID``). For every database in ``listId`` the contact keyed by that UID (``uidColumn``) is removed
(RemoveRecipient: gone from the database) or, with ``action: optOut``, opted out (OptOutRecipient: it stays,
opted out, so its history remains for reports). A contact Silverpop does not have counts as done: the deletion
may have been synced before, or the account never reached Silverpop.

With ``tables`` the contact's rows in those relational tables are deleted as well, from the rows the table
writer recorded for it (``rowsField``; see ``table_contacts.py``), since a deleted account's likes must not
outlive it. A record whose removal failed goes down the error path with Silverpop's reason; the others are
passed on.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.fieldpath import MISSING, compile_getter
from dataflow.runtime.context import StepContext
from steps.silverpop import ops
from steps.silverpop.base import SilverpopStep
from steps.silverpop.errors import SilverpopFault
from steps.silverpop.settings import check_id, id_list
from steps.silverpop.table_contacts import RowLedger, TableSync, rows_scope

NOT_A_MEMBER = 128  # "Recipient is not a member of the list"


class RemoveSilverpopContacts(SilverpopStep, RecordStep):
    """Remove (or opt out) the contact of each record's Gigya UID from the databases ``listId``."""

    type: ClassVar[str] = "datasource.write.silverpop.remove"

    @classmethod
    def uses_sftp(cls, params: dict[str, Any]) -> bool:
        return False

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        if not id_list(params.get("listId")):
            yield ParamProblem(("listId",), "name at least one Silverpop database")
        for name in ("listId", "tables"):
            for value in id_list(params.get(name)):
                yield from check_id({name: value}, name)

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.get_uid = compile_getter(params.get("uidField") or "UID")
        self.uid_column = str(params.get("uidColumn") or "GigyaUid")
        self.opt_out = params.get("action") == "optOut"
        self.list_ids = id_list(params["listId"])
        self.table_ids = id_list(params.get("tables"))
        self.absent = 0

    def process_batch(self, items: list) -> list:
        uids = []
        for record in items:
            uid = self.get_uid(record)
            uids.append("" if uid is MISSING or uid is None else str(uid).strip())
        workers = max(1, min(int(self.params.get("maxConcurrency", 10)), 10))
        with ThreadPoolExecutor(workers, thread_name_prefix=self.context.step_id) as pool:
            outcomes = list(pool.map(self._remove, uids))
        done = [uid for uid, reason in zip(uids, outcomes, strict=True) if reason is None]
        table_reasons = self._delete_rows(done) if self.table_ids and done else {}
        output: list[Record] = []
        for record, uid, reason in zip(items, uids, outcomes, strict=True):
            reason = reason or table_reasons.get(uid)
            if reason is None:
                output.append(record)
            else:
                self.reject(record, reason, uid=uid)
        return output

    def _remove(self, uid: str) -> str | None:
        """Silverpop's reason when the contact could not be removed from every database; ``None`` when done."""
        if not uid:
            return f"no Gigya UID in {self.params.get('uidField') or 'UID'}"
        for list_id in self.list_ids:
            try:
                if self.opt_out:
                    ops.opt_out_recipient(self.client, list_id, {self.uid_column: uid})
                else:
                    ops.remove_recipient(self.client, list_id, {self.uid_column: uid})
            except SilverpopFault as fault:
                if fault.errorid == NOT_A_MEMBER:
                    self.absent += 1
                    continue
                return f"{fault.fault_string or fault} (database {list_id})"
        return None

    def _delete_rows(self, uids: list[str]) -> dict[str, str]:
        """Every recorded row of these contacts, deleted from each of ``tables``; uid -> reason on failure."""
        reasons: dict[str, list[str]] = {}
        for table_id in self.table_ids:
            ledger = RowLedger(self.context.job.state, rows_scope(self.settings.api_base, table_id))
            previous = ledger.previous(uids)
            gone = [(uid, key) for uid in uids for key in sorted(previous.get(uid, set()))]
            if not gone:
                continue
            sync = TableSync(self.client, table_id, ledger.columns, ledger)
            kept = sync.delete(gone, reasons)
            ledger.record({uid: {key for owner, key in kept if owner == uid} for uid in previous}, ledger.columns)
            self.context.info(f"{sync.removed:,} rows of deleted contacts removed from relational table {table_id}")
        return {uid: "; ".join(dict.fromkeys(found)) for uid, found in reasons.items()}

    def close(self) -> None:
        if self.absent:
            self.context.info(f"{self.absent:,} contact(s) were not in Silverpop (already removed, or never synced)")
        super().close()
