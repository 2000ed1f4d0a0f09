"""Silverpop XML API faults.

Handlers raise :class:`ApiFault`; the HTTP layer renders it as the documented ``RESULT``/``Fault`` envelope
(HTTP 200). Only the error ids observed in public clients are used (silverpop.md §3); anything else is the
generic 51 "Invalid XML Request" family with a descriptive FaultString, as the reference recommends, so a
client that keys on the id never sees an invented number.
"""

from __future__ import annotations

SERVER_ERROR = 50
INVALID_REQUEST = 51
INVALID_LIST_ID = 106
NO_SUCH_LIST = 108
NOT_A_MEMBER = 128
SESSION_EXPIRED = 145


class ApiFault(Exception):
    """An XML API fault: ``errorid``, its ``class`` (``SP.API``, ``SP.ListManager``...) and the FaultString."""

    def __init__(self, errorid: int, message: str, error_class: str = "SP.API") -> None:
        self.errorid = errorid
        self.message = message
        self.error_class = error_class
        super().__init__(f"{errorid} {error_class}: {message}")


def invalid(message: str = "Invalid XML Request") -> ApiFault:
    return ApiFault(INVALID_REQUEST, message)


def missing(tag: str) -> ApiFault:
    return ApiFault(INVALID_REQUEST, f"Invalid XML Request: missing required element {tag}")


def no_such_list(list_id: object) -> ApiFault:
    return ApiFault(NO_SUCH_LIST, f"List with id {list_id} Does Not Exist.", "SP.ListManager")


def bad_list_id() -> ApiFault:
    return ApiFault(INVALID_LIST_ID, "List ID is not valid.", "SP.ListManager")


def not_a_member() -> ApiFault:
    return ApiFault(NOT_A_MEMBER, "Recipient is not a member of the list.", "SP.ListManager")


def server_error(message: str = "Server Error") -> ApiFault:
    return ApiFault(SERVER_ERROR, message)
