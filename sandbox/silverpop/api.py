"""The XML API dispatcher: envelope in, envelope out.

One operation per Body; the handler runs under the store lock so each call is atomic with respect to every
other call, the job ticker and the admin API. Unknown or wrongly-cased operation names are a 51 fault, as
Acoustic answers them (tag names are case-sensitive).
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.silverpop import ops_contacts, ops_jobs, ops_lists, ops_tables
from sandbox.silverpop.errors import ApiFault, invalid
from sandbox.silverpop.store import Store
from sandbox.silverpop.xmlio import Element, fault, operation, success

Handler = Callable[[Store, Element], list[Element]]

OPERATIONS: dict[str, Handler] = {
    "AddRecipient": ops_contacts.add_recipient,
    "UpdateRecipient": ops_contacts.update_recipient,
    "SelectRecipientData": ops_contacts.select_recipient_data,
    "RemoveRecipient": ops_contacts.remove_recipient,
    "OptOutRecipient": ops_contacts.opt_out_recipient,
    "GetLists": ops_lists.get_lists,
    "GetListMetaData": ops_lists.get_list_meta_data,
    "AddListColumn": ops_lists.add_list_column,
    "CreateTable": ops_tables.create_table,
    "JoinTable": ops_tables.join_table,
    "InsertUpdateRelationalTable": ops_tables.insert_update_relational_table,
    "DeleteRelationalTableData": ops_tables.delete_relational_table_data,
    "ImportList": ops_jobs.import_list,
    "ImportTable": ops_jobs.import_table,
    "ExportList": ops_jobs.export_list,
    "RawRecipientDataExport": ops_jobs.raw_recipient_data_export,
    "GetJobStatus": ops_jobs.get_job_status,
    "Logout": lambda store, op: [],  # the PHP connector's destructor still calls it; a no-op under OAuth
}


def handle(store: Store, body: bytes | str) -> bytes:
    """Run one envelope; always returns an XML envelope (SUCCESS or Fault)."""
    name = ""
    try:
        op = operation(body)
        name = op.tag
        handler = OPERATIONS.get(name)
        if handler is None:
            raise invalid(f"Invalid XML Request: unknown operation {name}")
        with store.lock:
            children = handler(store, op)
        return success(children)
    except ApiFault as problem:
        return fault(problem, name)
