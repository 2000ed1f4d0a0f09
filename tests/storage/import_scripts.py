"""The JavaScript of flows/azure/import-accounts.json's ``record.evaluate`` steps, readable (the flow holds it
Base64-encoded, as IdentitySync and SAP's toolkit do). ``test_import_flow.py`` checks that each step's script
decodes to exactly this text, so this file is where to read (and change) them."""

from __future__ import annotations

import base64

# 03: the file's flat columns (profile.firstName, subscriptions.newsletter.email.isSubscribed, ...) to the nested
# account importFullAccount takes; blank cells are left out (an import sets only what it is given), TRUE/FALSE
# become booleans, loginIDs.emails becomes a list. A row with neither a UID nor an email cannot become an account.
TO_ACCOUNT = """\
function process(record, ctx, logger, next, error) {
  const account = {};
  for (const [key, raw] of Object.entries(record)) {
    if (raw === null || raw === undefined || String(raw).trim() === '') continue;
    let value = String(raw).trim();
    if (/^(true|false)$/i.test(value)) value = value.toLowerCase() === 'true';
    const path = key.split('.');
    let node = account;
    for (const part of path.slice(0, -1)) node = node[part] = node[part] || {};
    node[path[path.length - 1]] = value;
  }
  if (account.loginIDs && typeof account.loginIDs.emails === 'string') {
    account.loginIDs.emails = account.loginIDs.emails.split(/[;,]/).map((e) => e.trim()).filter((e) => e);
  }
  const email = account.profile && account.profile.email;
  if (!account.UID && !email) {
    error.accept({...account, _errorDetails: {errorMessage: 'a new account needs profile.email'}}, record);
    return null;
  }
  if (!account.UID && !account.loginIDs) account.loginIDs = {emails: [email]};
  return account;
}
"""

# 04a / 04b: the rows that name an existing account (by UID) are looked up first; the others are new accounts.
EXISTING = "function process(record) {\n  return record.UID ? record : null;\n}\n"
NEW = "function process(record) {\n  return record.UID ? null : record;\n}\n"

# 07 / 08: one report row per account, with what Gigya answered (the new UID, or the error and its reason).
SUCCESS_ROW = """\
function process(record) {
  const response = record._response || {};
  return {UID: response.UID || record.UID, email: (record.profile || {}).email || '', status: 'imported',
    callId: response.callId || ''};
}
"""
ERROR_ROW = """\
function process(record) {
  const response = record._response || {};
  const details = record._errorDetails || {};
  return {UID: record.UID || '', email: (record.profile || {}).email || '', step: details.stepId || '',
    errorCode: response.errorCode || '', errorMessage: details.errorMessage || response.errorMessage || ''};
}
"""

SCRIPTS = {
    "03 To account structure": TO_ACCOUNT,
    "04a Existing accounts": EXISTING,
    "04b New accounts": NEW,
    "07 Success row": SUCCESS_ROW,
    "08 Error row": ERROR_ROW,
}


def encoded(script: str) -> str:
    return base64.b64encode(script.encode()).decode()
