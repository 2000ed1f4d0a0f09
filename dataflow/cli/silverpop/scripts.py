"""The JavaScript of the Silverpop flows' ``record.evaluate`` steps (the flows carry it Base64-encoded).

Kept readable here, and written into the flows by ``flows.py``, so there is one place to read and change them.
"""

from __future__ import annotations

import base64

# outbound-favorites: Gigya keeps favorites as {kind: [{id, name, category}]}; the table writer takes one record
# per contact with all of its rows (so a contact whose favorites were all removed still arrives, with none).
FAVORITES = """\
function process(record, ctx, logger, next, error) {
  var favorites = (record.profile && record.profile.favorites) || {};
  var rows = [];
  Object.keys(favorites).forEach(function (kind) {
    (favorites[kind] || []).forEach(function (item) {
      rows.push({type: kind, id: item.id, name: item.name, category: item.category || kind});
    });
  });
  return {UID: record.UID, rows: rows};
}
"""

# inbound-optouts: one opt-out event of a Silverpop database -> the Gigya subscriptions that database carries
# (_newsletters) set to unsubscribed, unless Gigya's own change is newer than the opt-out (the person subscribed
# again after it) or the account is not subscribed anyway. The lookup merged the account's subscriptions into the
# record; an event whose account is gone (deleted in Gigya) has none and is dropped.
OPTOUTS = """\
function process(record, ctx, logger, next, error) {
  if (!record.subscriptions) return null;
  var at = /^(\\d\\d)\\/(\\d\\d)\\/(\\d{4}) (\\d\\d):(\\d\\d):(\\d\\d)$/.exec(record['Event Timestamp'] || '');
  if (!at) throw new Error('unreadable Event Timestamp: ' + record['Event Timestamp']);
  var optedOut = Date.UTC(+at[3], +at[1] - 1, +at[2], +at[4], +at[5], +at[6]);
  var subscriptions = {};
  var changed = false;
  String(record._newsletters).split(',').forEach(function (id) {
    var current = record.subscriptions[id] && record.subscriptions[id].email;
    if (!current || current.isSubscribed !== true) return;
    var since = Date.parse(current.lastUpdatedSubscriptionState || '');
    if (!isNaN(since) && since > optedOut) return;
    subscriptions[id] = {email: {isSubscribed: false}};
    changed = true;
  });
  return changed ? {UID: record.GigyaUid, subscriptions: subscriptions} : null;
}
"""

# inbound-scoring: every exported column but the UID is a scoring field -> data.silverpopScoring.<name> (numbers
# where they parse), written only when something changed (the lookup merged the current scores into the record).
SCORING = """\
function process(record, ctx, logger, next, error) {
  if (!record.GigyaUid) return null;
  var scores = {};
  var changed = false;
  var current = (record.data && record.data.silverpopScoring) || {};
  Object.keys(record).forEach(function (name) {
    if (name === 'GigyaUid' || name === 'data' || name.charAt(0) === '_') return;
    var value = record[name];
    if (value === null || value === undefined || value === '') return;
    var key = name.replace(/[^A-Za-z0-9_]/g, '_');
    var number = Number(value);
    scores[key] = isNaN(number) ? value : number;
    if (current[key] !== scores[key]) changed = true;
  });
  return changed ? {UID: record.GigyaUid, data: {silverpopScoring: scores}} : null;
}
"""


def encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-8")).decode("ascii")
