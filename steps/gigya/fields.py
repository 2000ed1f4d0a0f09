"""Which record fields become params of the account write methods (gigya.md §4.4, §4.5).

Records often carry more than a write method takes (read-only ``lastUpdatedTimestamp`` from a reader, a CSV
column nobody renamed). Sending those would fail every record with a parameter error, so writers send the
method's own params and name the rest once in the trace.
"""

from __future__ import annotations

SET_ACCOUNT_INFO = frozenset(
    {
        "UID",
        "regToken",
        "profile",
        "data",
        "subscriptions",
        "preferences",
        "communications",
        "customIdentifiers",
        "internal",
        "isActive",
        "isVerified",
        "lang",
        "muteWebhooks",
        "username",
        "phoneNumber",
        "addLoginEmails",
        "removeLoginEmails",
        "conflictHandling",
        "newPassword",
        "password",
        "securityOverride",
        "requirePasswordChange",
        "secretQuestion",
        "secretAnswer",
        "regSource",
        "rba",
    }
)

IMPORT_FULL_ACCOUNT = frozenset(
    {
        "UID",
        "profile",
        "data",
        "subscriptions",
        "preferences",
        "communications",
        "customIdentifiers",
        "identities",
        "emails",
        "loginIDs",
        "phoneNumber",
        "password",
        "secretQuestionAndAnswer",
        "isActive",
        "isRegistered",
        "isVerified",
        "created",
        "lastLogin",
        "lastUpdated",
        "registered",
        "verified",
        "regSource",
        "lang",
        "dataCenter",
        "providerSessions",
    }
)
