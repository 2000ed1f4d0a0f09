// Drives the Gigya sandbox with the official Node SDK (npm "gigya" v3) through its custom transport hook.
//
//   node driver.js <url> <apiKey> <userKey> <secret>
//
// The SDK builds and signs every request as it would for https://accounts.us1.gigya.com; the transport in
// transport.js only carries the signed form to the sandbox (the feasibility note, section 2). Prints one JSON object.
'use strict';

const { Gigya } = require('gigya');
const { loopbackTransport } = require('./transport');

const [url, apiKey, userKey, secret] = process.argv.slice(2);
const sent = [];
const transport = loopbackTransport(url, sent);

async function main() {
  Gigya.RETRY_DELAY = 0;
  const gigya = new Gigya(apiKey, 'us1', transport);
  gigya.setCredentials({ userKey, secret });

  let page = await gigya.accounts.search({ query: 'SELECT UID, profile.email FROM accounts LIMIT 20', openCursor: true });
  const uids = page.results.map((r) => r.UID);
  const totalCount = page.totalCount;
  let pages = 1;
  while (page.nextCursorId) {
    page = await gigya.accounts.search({ cursorId: page.nextCursorId });
    uids.push(...page.results.map((r) => r.UID));
    pages += 1;
  }

  const uid = uids[0];
  await gigya.accounts.setAccountInfo({ UID: uid, profile: { firstName: 'Node' }, data: { nodeCheck: 'yes' } });
  const account = await gigya.accounts.getAccountInfo({ UID: uid });

  let wrongSecretCode = 0;
  const wrong = new Gigya(apiKey, 'us1', transport);
  wrong.setCredentials({ userKey, secret: 'd3Jvbmcgc2VjcmV0' });
  try {
    await wrong.accounts.search({ query: 'SELECT UID FROM accounts LIMIT 1' });
  } catch (error) {
    wrongSecretCode = error.errorCode;
  }

  const partner = new Gigya(apiKey, 'us1', transport);
  partner.setCredentials({ secret });
  const viaPartnerSecret = await partner.accounts.getAccountInfo({ UID: uid });

  const signed = sent[0].keys;
  console.log(JSON.stringify({
    pages,
    read: uids.length,
    unique: new Set(uids).size,
    totalCount,
    firstName: account.profile.firstName,
    nodeCheck: account.data.nodeCheck,
    lastUpdatedTimestamp: account.lastUpdatedTimestamp,
    wrongSecretCode,
    partnerSecretUID: viaPartnerSecret.UID,
    signedKeys: signed,
    hosts: [...new Set(sent.map((s) => s.host))],
  }));
}

main().catch((error) => {
  console.log(JSON.stringify({ error: String(error), errorCode: error.errorCode }));
  process.exit(1);
});
