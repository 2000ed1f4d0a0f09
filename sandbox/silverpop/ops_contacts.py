"""Recipient operations: AddRecipient, UpdateRecipient, SelectRecipientData, RemoveRecipient, OptOutRecipient.

Each handler validates everything before it changes anything, so a fault never leaves a half-applied call.
Result tags keep the exact case clients read (``RecipientId``), and SelectRecipientData emits every element
ka4ok85's parser dereferences, even when empty.
"""

from __future__ import annotations

from sandbox.silverpop import errors
from sandbox.silverpop.clock import short_date
from sandbox.silverpop.contacts import FieldError, add_contact, clean_fields, criteria, key_criteria, update_contact
from sandbox.silverpop.model import EMAIL, Contact, Database
from sandbox.silverpop.store import Store
from sandbox.silverpop.xmlio import Element, element, flag, integer, name_values, sub, sync_fields, text, texts


def _fault(problem: FieldError) -> errors.ApiFault:
    return errors.invalid(str(problem))


def _recipient(database: Database, op: Element) -> list[Contact] | None:
    """Contacts named by RECIPIENT_ID, or ``None`` when the element is absent."""
    recipient_id = integer(op, "RECIPIENT_ID")
    if recipient_id is None:
        return None
    found = database.contacts.get(recipient_id)
    return [found] if found else []


def _ids(store: Store, database: Database, contact: Contact) -> list[Element]:
    return [element("RecipientId", contact.recipient_id), element("ORGANIZATION_ID", store.config.organization_id)]


def add_recipient(store: Store, op: Element) -> list[Element]:
    database = store.database(text(op, "LIST_ID"))
    created_from = integer(op, "CREATED_FROM", 0) or 0
    update = flag(op, "UPDATE_IF_FOUND")
    try:
        fields = clean_fields(database, name_values(op), store.config)
        lookup = criteria(database, sync_fields(op)) or key_criteria(database, fields)
        existing = database.find(lookup) if lookup else []
        if existing and not update:
            raise errors.invalid("Recipient already exists in the database; set UPDATE_IF_FOUND to update it")
        if existing:
            contact = existing[0]
            update_contact(store, database, contact, fields)
        else:
            contact = add_contact(store, database, fields, created_from)
    except FieldError as problem:
        raise _fault(problem) from None
    contact.contact_lists.update(_contact_list_ids(op))
    return _ids(store, database, contact)


def _contact_list_ids(op: Element) -> set[int]:
    ids = texts(op, "CONTACT_LISTS/CONTACT_LIST_ID") + texts(op, "CONTACT_LISTS/CONTACT_LIST")
    return {int(value) for value in ids if value.isdigit()}


def update_recipient(store: Store, op: Element) -> list[Element]:
    database = store.database(text(op, "LIST_ID"))
    if text(op, "ENCODED_RECIPIENT_ID"):
        raise errors.invalid("ENCODED_RECIPIENT_ID is not supported by the sandbox")
    try:
        fields = clean_fields(database, name_values(op), store.config)
        matches = _recipient(database, op)
        if matches is None:
            old_email, sync = text(op, "OLD_EMAIL"), criteria(database, sync_fields(op))
            if old_email:
                lookup: dict[str, str] | None = {EMAIL: old_email}
            else:
                lookup = sync or key_criteria(database, fields)
            if lookup is None:
                raise errors.invalid(f"Key column values are required: {', '.join(database.key_columns)}")
            matches = database.find(lookup)
        if not matches:
            if store.config.update_missing != "add":
                raise errors.not_a_member()
            contact = add_contact(store, database, fields, 1)
        else:
            contact = matches[0]
            update_contact(store, database, contact, fields)
    except FieldError as problem:
        raise _fault(problem) from None
    return _ids(store, database, contact)


def _lookup(store: Store, database: Database, op: Element) -> list[Contact]:
    """Contacts named by RECIPIENT_ID, EMAIL and/or COLUMN key values (oldest first)."""
    found = _recipient(database, op)
    if found is not None:
        return found
    if text(op, "VISITOR_KEY") or text(op, "ENCODED_RECIPIENT_ID"):
        raise errors.invalid("VISITOR_KEY and ENCODED_RECIPIENT_ID lookups are not supported by the sandbox")
    try:
        wanted = criteria(database, name_values(op))
    except FieldError as problem:
        raise _fault(problem) from None
    email = text(op, "EMAIL")
    if email:
        wanted[EMAIL] = email
    if not wanted:
        raise errors.invalid("Invalid XML Request: EMAIL, RECIPIENT_ID or key COLUMN values are required")
    return database.find(wanted)


def select_recipient_data(store: Store, op: Element) -> list[Element]:
    database = store.database(text(op, "LIST_ID"))
    matches = _lookup(store, database, op)
    if not matches:
        raise errors.not_a_member()
    contact = matches[0]
    email = contact.fields.get(EMAIL, "")
    out = [
        element("EMAIL", email),
        element("Email", email),
        element("RecipientId", contact.recipient_id),
        element("EmailType", contact.email_type),
        element("LastModified", short_date(contact.modified)),
        element("CreatedFrom", contact.created_from),
        element("OptedIn", short_date(contact.opted_in)),
        element("OptedOut", short_date(contact.opted_out) or None),
        element("ResumeSendDate"),
        element("ORGANIZATION_ID", store.config.organization_id),
        element("CRMLeadSource"),
    ]
    columns = element("COLUMNS")
    for name in database.columns:
        if name != EMAIL:
            column = sub(columns, "COLUMN")
            sub(column, "NAME", name)
            sub(column, "VALUE", contact.fields.get(name, ""))
    lists = element("CONTACT_LISTS")
    if flag(op, "RETURN_CONTACT_LISTS"):
        for list_id in sorted(contact.contact_lists):
            sub(lists, "CONTACT_LIST_ID", list_id)
    return [*out, columns, lists]


def remove_recipient(store: Store, op: Element) -> list[Element]:
    database = store.database(text(op, "LIST_ID"))
    matches = _lookup(store, database, op)
    if not matches:
        raise errors.not_a_member()
    database.remove(matches[0])
    database.modified = store.clock.now()
    return []


def opt_out_recipient(store: Store, op: Element) -> list[Element]:
    """Email alone opts out every contact with that address; key columns or RECIPIENT_ID name one."""
    database = store.database(text(op, "LIST_ID"))
    only_email = text(op, "EMAIL") and op.find("COLUMN") is None and op.find("RECIPIENT_ID") is None
    matches = _lookup(store, database, op)
    if not matches:
        raise errors.not_a_member()
    targets = matches if only_email else matches[:1]
    for contact in targets:
        store.opt_out(database, contact)
    return _ids(store, database, targets[0])
