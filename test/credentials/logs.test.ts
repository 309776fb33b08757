// Credentials never reach the logs: a real server process (`server/start.ts`, most verbose
// log level) is used with keys in the Authorization header (download, JSON API, tus) and in
// query strings (refused); its captured output must not contain any of the secrets.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrganizationToken,
  createPersonalKey,
} from '../../app/domain/credentials/credentials.server';
import { publishDataset } from '../catalogue/helpers';
import { prepareReferences } from '../contributions/helpers';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import type { Child } from '../support/process';

let t: TestDatabase;
let child: Child | null = null;
let base: string;
let downloadPath: string;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-credentials-logs-'));
const secrets: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  const admin = await createUserWithSession(t.db);
  const org = await t.db
    .insertInto('organization')
    .values({ slug: 'journal-test', name: 'Journal test', kind: 'public_body' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('membership')
    .values({ user_id: admin.user.id, organization_id: org.id, role: 'admin' })
    .execute();
  const published = await publishDataset(t.db, refs, uploadsDir, {
    submitterId: admin.user.id,
    draft: {
      title: 'Données tracées du journal',
      licence: 'licence-engagee',
      organizationId: org.id,
    },
    files: [{ filename: 'journal.csv', content: 'a;b\n1;2\n' }],
  });
  const dist = await t.db
    .selectFrom('distribution as x')
    .innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id')
    .select('x.id')
    .where('v.dataset_id', '=', published.datasetId)
    .executeTakeFirstOrThrow();
  downloadPath = `/datasets/${published.slug}/telecharger/${dist.id}`;
  secrets.push(
    (
      await createPersonalKey(t.db, admin.user.id, {
        name: 'Journal',
        purpose: 'Vérifier que les journaux ne gardent aucune clé',
      })
    ).secret,
  );
  secrets.push(
    (
      await createOrganizationToken(t.db, admin.user.id, org.id, {
        name: 'Livraison',
        scopes: ['contribute'],
      })
    ).secret,
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    DATABASE_URL: t.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    SESSION_SECRET: 'logs-secret-logs-secret-logs-secret-0123',
    UPLOADS_DIR: uploadsDir,
    WORKER: 'off',
    BUILD_ON_START: 'off',
    LOG_LEVEL: 'trace',
  });
  await waitForHttp(`${base}/healthz`, 90_000);
}, 150_000);

afterAll(async () => {
  if (child && child.proc.exitCode === null) {
    child.proc.kill('SIGTERM');
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  }
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('the logs of a real server process', () => {
  it('never contain a credential, whether sent in the header or (refused) in the URL', async () => {
    const [personal, token] = secrets as [string, string];
    const ok = await fetch(`${base}${downloadPath}`, {
      headers: { authorization: `Bearer ${personal}` },
    });
    expect(ok.status).toBe(200);
    expect(
      (
        await fetch(`${base}/api/v1/contributions`, {
          headers: { authorization: `Bearer ${personal}` },
        })
      ).status,
    ).toBe(200);
    const tus = await fetch(`${base}/uploads/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': '4',
        'Upload-Metadata': `filename ${Buffer.from('a.csv').toString('base64')},purpose ${Buffer.from('dataset').toString('base64')}`,
      },
    });
    expect(tus.status).toBe(201);
    // A key of the wrong scope, and keys put in URLs: refused, and still not logged.
    expect(
      (await fetch(`${base}${downloadPath}`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(403);
    for (const url of [
      `${downloadPath}?token=${personal}`,
      `/api/v1/datasets?key=${token}`,
      `/datasets?q=${personal}`,
      `/uploads/files?access_token=${token}`,
    ]) {
      const res = await fetch(`${base}${url}`);
      expect(res.status, url).toBe(400);
    }
    // The server did log these requests (the test would prove nothing otherwise).
    await child!.waitFor(/"status":400/, 10_000);
    const out = child!.output();
    expect(out).toContain(downloadPath);
    for (const s of secrets) {
      expect(out).not.toContain(s);
      expect(out).not.toContain(s.slice(6, 30));
    }
  });
});
