// Drives `dataflow serve` with the official Node SDK (npm "gigya" v3): its idx.* methods, unchanged.
//
//   node idx-driver.js <url> <apiKey> <userKey> <secret> <flows.json>
//
// flows.json holds {"runnable": <a flow that runs on local files>, "withSecret": <a flow with a password>}.
// The SDK builds and signs every request for https://idx.us1.gigya.com/<method>; the transport only carries
// the signed form to the server on loopback (transport.js, shared with the sandbox check). Prints one JSON object.
'use strict';

const fs = require('fs');
const { Gigya } = require('gigya');
const { loopbackTransport } = require('./transport');

const [url, apiKey, userKey, secret, flowsPath] = process.argv.slice(2);
const flows = JSON.parse(fs.readFileSync(flowsPath, 'utf8'));
const sent = [];
const transport = loopbackTransport(url, sent);
const ENVELOPE = ['callId', 'errorCode', 'apiVersion', 'statusCode', 'statusReason', 'time'];

async function errorCodeOf(promise) {
  try {
    await promise;
    return 0;
  } catch (error) {
    return error.errorCode;
  }
}

function withoutEnvelope(response) {
  const copy = { ...response };
  for (const key of ENVELOPE) delete copy[key];
  return copy;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  Gigya.RETRY_DELAY = 0;
  const gigya = new Gigya(apiKey, 'us1', transport);
  gigya.setCredentials({ userKey, secret });

  // a flow holding a password: read back masked, set back masked, the secret stays
  const created = await gigya.idx.createDataflow({ data: flows.withSecret });
  const got = await gigya.idx.getDataflow({ id: created.id });
  const maskedPassword = got.steps.find((s) => s.id === 'upload').params.password;
  const changed = { ...withoutEnvelope(got), description: 'set by the node SDK' };
  const set = await gigya.idx.setDataflow({ data: changed });
  const redundantCode = await errorCodeOf(gigya.idx.setDataflow({ data: changed }));

  // a runnable flow scheduled once, now: the job starts at once
  const runnable = await gigya.idx.createDataflow({ data: flows.runnable });
  const scheduling = await gigya.idx.createScheduling({
    data: { name: 'node once', dataflowId: runnable.id, frequencyType: 'once', fullExtract: true },
  });
  let job = null;
  for (let i = 0; i < 200 && !(job && job.status !== 'running'); i += 1) {
    const found = await gigya.idx.search({
      query: `SELECT * FROM idx_job_status WHERE schedulingId = '${scheduling.id}'`,
    });
    job = found.result[0] || null;
    if (!job || job.status === 'running') await sleep(100);
  }
  const gotScheduling = await gigya.idx.getScheduling({ id: scheduling.id });
  await gigya.idx.setScheduling({
    data: { ...withoutEnvelope(gotScheduling), enabled: false, name: 'node once (paused)' },
  });
  const paused = await gigya.idx.getScheduling({ id: scheduling.id });

  // a cursor over the drafts
  for (let i = 0; i < 5; i += 1) {
    // the SDK has no idx.createDataflowDraft helper: its generic request() signs and sends it the same way
    await gigya.request('idx.createDataflowDraft', { data: { ...flows.runnable, name: `draft ${i}` } });
  }
  let page = await gigya.idx.search({ query: 'SELECT name FROM dataflow_draft ORDER BY name LIMIT 2', openCursor: true });
  const draftNames = page.result.map((r) => r.name);
  let pages = 1;
  while (page.nextCursorId) {
    page = await gigya.idx.search({ cursorId: page.nextCursorId });
    draftNames.push(...page.result.map((r) => r.name));
    pages += 1;
  }

  await gigya.idx.deleteScheduling({ id: scheduling.id });
  const deletedCode = await errorCodeOf(gigya.idx.getScheduling({ id: scheduling.id }));
  await gigya.idx.deleteDataflow({ id: runnable.id });
  const published = await gigya.idx.search({ query: 'SELECT id FROM dataflow' });

  const wrong = new Gigya(apiKey, 'us1', transport);
  wrong.setCredentials({ userKey, secret: 'd3Jvbmcgc2VjcmV0' });
  const wrongSecretCode = await errorCodeOf(wrong.idx.search({ query: 'SELECT * FROM dataflow' }));

  console.log(JSON.stringify({
    maskedPassword,
    setVersion: set.version,
    redundantCode,
    job: job && { status: job.status, dataflowId: job.dataflowId, counters: job.counters },
    runnableId: runnable.id,
    jobIdOnScheduling: gotScheduling.jobId === (job && job.id),
    paused: { enabled: paused.enabled, name: paused.name },
    draftNames,
    pages,
    deletedCode,
    secretFlowId: created.id,
    publishedIds: published.result.map((r) => r.id),
    wrongSecretCode,
    signedKeys: sent[0].keys,
    hosts: [...new Set(sent.map((s) => s.host))],
  }));
}

main().catch((error) => {
  console.log(JSON.stringify({ error: String(error), errorCode: error.errorCode }));
  process.exit(1);
});
