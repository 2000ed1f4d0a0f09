"""The JavaScript of the sample flows' ``record.evaluate`` steps, readable (the flows hold it Base64-encoded).

``test_flows.py`` checks that each flow's script decodes to exactly this text, so this file is where to read
(and change) them.
"""

from __future__ import annotations

import base64

# outbound-favorites: Gigya keeps favorites as {kind: [{id, name, category}]}; the table wants one row each.
FAVORITES = """\
function process(record, ctx, logger, next, error) {
  var favorites = (record.profile && record.profile.favorites) || {};
  var rows = [];
  Object.keys(favorites).forEach(function (kind) {
    (favorites[kind] || []).forEach(function (item) {
      rows.push({UID: record.UID, type: kind, id: item.id, name: item.name, category: item.category || kind});
    });
  });
  return rows;
}
"""

# inbound-optouts: Silverpop's opt-out and Yes/No newsletter fields -> Gigya subscriptions, written only where
# they differ from the account (the lookup merged its current subscriptions and data.subscribed into the
# record), so an unchanged contact is not written back and the sync does not ping-pong. Blank is not a Yes.
OPTOUTS = """\
function process(record, ctx, logger, next, error) {
  var optedOut = record['Opted Out'] === 'T';
  var lists = [['NewsletterWeekly', 'newsletterWeekly'], ['NewsletterOffers', 'newsletterOffers'],
    ['NewsletterProduct', 'newsletterProduct']];
  var gigya = record.subscriptions || {};
  var update = {UID: record.GigyaUid};
  var subscriptions = {};
  var changed = false;
  lists.forEach(function (item) {
    if (!(item[0] in record)) return;
    var wanted = !optedOut && record[item[0]] === 'Yes';
    var now = gigya[item[1]] && gigya[item[1]].email ? gigya[item[1]].email.isSubscribed : undefined;
    if (now !== wanted) {
      subscriptions[item[1]] = {email: {isSubscribed: wanted}};
      changed = true;
    }
  });
  if (changed) update.subscriptions = subscriptions;
  if ('Subscribed' in record) {
    var subscribed = !optedOut && record.Subscribed === 'Yes' ? 'true' : 'false';
    if (!record.data || record.data.subscribed !== subscribed) {
      update.data = {subscribed: subscribed};
      changed = true;
    }
  }
  return changed ? update : null;
}
"""

# inbound-scoring: every exported column but the UID is a scoring field -> data.silverpopScoring.<name>
# (numbers where they parse), only when scoring sync is on and something changed (the lookup merged the current
# data.silverpopScoring into the record).
SCORING = """\
function process(record, ctx, logger, next, error) {
  if (record._syncScoring !== true && record._syncScoring !== 'true') return null;
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

SCRIPTS = {"favorites": FAVORITES, "optouts": OPTOUTS, "scoring": SCORING}


def encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-8")).decode("ascii")
