#!/usr/bin/env node
/* global process, console, fetch, setTimeout, URL */
// Delivers a dataset owed under a public contract, from a partner's own system:
//   1. creates a contribution (a new dataset, or an update of the obligation's dataset),
//   2. saves its description, 3. uploads the file through tus (resumable),
//   4. attaches the upload and waits for the server's validation report,
//   5. links the contribution to the obligation's due date, 6. submits it,
//   7. polls until it is published (or rejected) and prints the due date's status.
//
// Needs Node ≥ 20 and `npm install tus-js-client`. Configuration, by environment:
//   TERRIDATA_URL      e.g. https://data.example.org
//   TERRIDATA_TOKEN    an organisation token with scope `contribute` (td_ot_…)
//   OBLIGATION_ID      the obligation (see /transparence or GET /api/v1/contracts)
//   DUE_ON             optional: the due date delivered (YYYY-MM-DD); default: the earliest open one
//   METADATA           a JSON file with the dataset's description (title, description, themes,
//                      keywords, communes, licence, updateFrequency, contactName, contactEmail,
//                      personalData, rightsStatement, organizationId)
//   POLL_TIMEOUT_S     optional: how long to wait for moderation (default 3600)
// Usage: node deliver.mjs data.csv
// Prints one JSON line per step on stdout; exits 1 on a refusal, with the problem details.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tus from 'tus-js-client';

const base = (process.env.TERRIDATA_URL ?? '').replace(/\/$/, '');
const token = process.env.TERRIDATA_TOKEN ?? '';
const obligationId = process.env.OBLIGATION_ID ?? '';
const file = process.argv[2];
if (!base || !token || !obligationId || !process.env.METADATA || !file) {
  console.error(
    'usage: TERRIDATA_URL=… TERRIDATA_TOKEN=… OBLIGATION_ID=… METADATA=meta.json node deliver.mjs FILE',
  );
  process.exit(2);
}
const auth = { Authorization: `Bearer ${token}` };
const log = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));

/** A JSON API call; a refusal (RFC 9457 problem+json) stops the script with its details. */
async function api(method, p, body) {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: {
      ...auth,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    log('refused', { method, path: p, status: res.status, problem: json });
    process.exit(1);
  }
  return json;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The obligation says which dataset is owed: an existing one is updated, else a new one is made.
const obligation = await api('GET', `/contracts/obligations/${obligationId}`);
log('obligation', { contract: obligation.contract.reference, dataset: obligation.datasetTitle });
const target = obligation.dataset ? await api('GET', `/datasets/${obligation.dataset.slug}`) : null;

// 1. The contribution (a draft).
const created = await api(
  'POST',
  '/contributions',
  target ? { kind: 'dataset_update', targetDatasetId: target.id } : { kind: 'new_dataset' },
);
const id = created.id;
log('created', { id });

// 2. Its description.
const metadata = JSON.parse(await readFile(process.env.METADATA, 'utf8'));
await api('PATCH', `/contributions/${id}`, metadata);

// 3. The file, through tus: resumable, in chunks; a dropped connection is retried.
const size = (await stat(file)).size;
const uploadUrl = await new Promise((resolve, reject) => {
  const upload = new tus.Upload(createReadStream(file), {
    endpoint: `${base}/uploads/files`,
    headers: auth,
    uploadSize: size,
    chunkSize: 50 * 1024 * 1024,
    retryDelays: [0, 1000, 3000, 10000],
    metadata: { filename: path.basename(file), filetype: 'text/csv', purpose: 'dataset' },
    onProgress: (sent, total) => log('uploading', { sent, total }),
    onError: reject,
    onSuccess: () => resolve(upload.url),
  });
  upload.start();
});
const uploadId = new URL(uploadUrl, base).pathname.split('/').pop();
log('uploaded', { uploadId, size });

// 4. Attach it, and wait for the server's validation (status verified, or invalid).
await api('POST', `/contributions/${id}/files`, { uploadId });
for (;;) {
  const c = await api('GET', `/contributions/${id}`);
  const f = c.revisions[0].files.find((x) => x.id === uploadId);
  if (f?.status === 'verified') break;
  if (f?.status === 'invalid') {
    log('invalid', { report: f });
    process.exit(1);
  }
  await sleep(500);
}
log('verified', { uploadId });

// 5. Link it to the due date it delivers.
const link = await api('POST', `/contracts/obligations/${obligationId}/deliveries`, {
  contributionId: id,
  ...(process.env.DUE_ON ? { dueOn: process.env.DUE_ON } : {}),
});
log('linked', { dueOn: link.dueOn });

// 6. Submit it for moderation (on time is decided by this moment, not by the moderation).
const submitted = await api('POST', `/contributions/${id}/submit`);
log('submitted', { state: submitted.state });

// 7. Poll until it is published or refused.
const deadline = Date.now() + Number(process.env.POLL_TIMEOUT_S ?? 3600) * 1000;
let state = submitted.state;
while (!['published', 'rejected', 'withdrawn'].includes(state)) {
  if (Date.now() > deadline) {
    log('timeout', { state });
    process.exit(1);
  }
  await sleep(1000);
  const c = await api('GET', `/contributions/${id}`);
  if (c.state !== state) log('state', { state: c.state });
  state = c.state;
}
const after = await api('GET', `/contracts/obligations/${obligationId}`);
const occurrence = after.occurrences.find((o) => o.dueOn === link.dueOn);
log('done', {
  state,
  dueOn: link.dueOn,
  status: occurrence?.status,
  dataset: after.dataset?.url ?? null,
});
process.exit(state === 'published' ? 0 : 1);
