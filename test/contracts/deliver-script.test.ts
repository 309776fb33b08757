// Delivery from a partner's system, end to end: the example script of docs/api.md
// (docs/examples/deliver.mjs, Node + tus-js-client) runs against a real server process
// (web + worker) with an organisation token; it creates the contribution, uploads the CSV
// through tus, links the monthly obligation, submits and polls. A moderator approves; the
// worker publishes; the occurrence becomes fulfilled on time and the contractor is credited.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordContract } from '../../app/domain/contracts/contracts.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { transparencyReport } from '../../app/domain/contracts/transparency.server';
import { createOrganizationToken } from '../../app/domain/credentials/credentials.server';
import {
  approveContribution,
  claimNextContribution,
} from '../../app/domain/moderation/moderation.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import type { Child } from '../support/process';
import { keyT, prepareReferences, validDraft } from '../contributions/helpers';
import { makeModerator } from '../moderation/helpers';
import { contractInput, makeOrg } from './helpers';
import type { TestOrg } from './helpers';

let t: TestDatabase;
let server: Child | null = null;
let base: string;
let body: TestOrg;
let contractor: TestOrg;
let obligationId: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'td-contracts-deliver-'));
const uploadsDir = path.join(dir, 'uploads');
const today = parisDate(new Date());

beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db);
  body = await makeOrg(t.db, 'public_body', 'Métropole (livraison)');
  contractor = await makeOrg(t.db, 'business', 'Vélos Partagés SAS');
  const k = await recordContract(
    t.db,
    { id: body.admin.user.id, isAdmin: false },
    contractInput(body.id, contractor.id, {
      reference: 'DSP-VLS-2026',
      startsOn: addDays(today, -20),
      endsOn: addDays(today, 200),
      obligations: [
        {
          datasetTitle: 'Disponibilité des vélos en libre-service',
          frequency: 'monthly',
          expectedFormat:
            'CSV ; une ligne par station : identifiant, vélos disponibles, places libres',
          licence: 'lo-2.0',
        },
      ],
    }),
    keyT,
  );
  obligationId = (
    await t.db
      .selectFrom('contract_obligation')
      .select('id')
      .where('contract_id', '=', k.id)
      .executeTakeFirstOrThrow()
  ).id;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    DATABASE_URL: t.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    SESSION_SECRET: 'deliver-secret-deliver-secret-deliver-0123',
    UPLOADS_DIR: uploadsDir,
    WORKER: 'on',
    BUILD_ON_START: 'off',
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`${base}/healthz`, 120_000);
}, 180_000);

afterAll(async () => {
  if (server && server.proc.exitCode === null) {
    server.proc.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
  }
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Step {
  step: string;
  [k: string]: unknown;
}

describe('docs/examples/deliver.mjs', () => {
  it('delivers the monthly dataset with an organisation token; after approval the due date is fulfilled on time', async () => {
    const { secret } = await createOrganizationToken(
      t.db,
      contractor.admin.user.id,
      contractor.id,
      {
        name: 'Système d’information VLS',
        scopes: ['contribute'],
      },
    );
    const metadataFile = path.join(dir, 'metadata.json');
    writeFileSync(
      metadataFile,
      JSON.stringify({
        ...validDraft({
          title: 'Disponibilité des vélos en libre-service',
          organizationId: contractor.id,
        }),
        personalData: false,
        rightsStatement: true,
      }),
    );
    const csv = path.join(dir, 'disponibilite.csv');
    writeFileSync(
      csv,
      'station;velos_disponibles;places_libres\nBellecour;12;8\nPart-Dieu;3;17\nTerreaux;0;20\n',
    );

    const script = spawn(process.execPath, ['docs/examples/deliver.mjs', csv], {
      env: {
        ...process.env,
        TERRIDATA_URL: base,
        TERRIDATA_TOKEN: secret,
        OBLIGATION_ID: obligationId,
        METADATA: metadataFile,
        POLL_TIMEOUT_S: '120',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    script.stdout.on('data', (d) => (out += d));
    script.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => script.on('exit', (code) => r(code)));
    const steps = () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Step);
    const waitForStep = async (name: string, ms: number) => {
      const start = Date.now();
      while (!steps().some((s) => s.step === name)) {
        if (script.exitCode !== null)
          throw new Error(`script exited (${script.exitCode}) before ${name}:\n${out}\n${err}`);
        if (Date.now() - start > ms) throw new Error(`no ${name} after ${ms} ms:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    await waitForStep('submitted', 90_000);
    const created = steps().find((s) => s.step === 'created')!.id as string;
    const linked = steps().find((s) => s.step === 'linked')!;
    const firstDue = (
      await t.db
        .selectFrom('obligation_occurrence')
        .select((eb) => eb.cast<string>('due_on', 'text').as('d'))
        .where('obligation_id', '=', obligationId)
        .orderBy('due_on')
        .executeTakeFirstOrThrow()
    ).d;
    expect(linked.dueOn).toBe(firstDue);
    // The contribution is the organisation's, with the file uploaded through tus and verified.
    const c = await t.db
      .selectFrom('contribution')
      .select(['state', 'organization_id', 'submitter_id'])
      .where('id', '=', created)
      .executeTakeFirstOrThrow();
    expect(c).toMatchObject({
      state: 'submitted',
      organization_id: contractor.id,
      submitter_id: contractor.admin.user.id,
    });
    const files = await t.db
      .selectFrom('contribution as c')
      .innerJoin('revision_upload as ru', 'ru.revision_id', 'c.current_revision_id')
      .innerJoin('upload as u', 'u.id', 'ru.upload_id')
      .select(['u.filename', 'u.status'])
      .where('c.id', '=', created)
      .execute();
    expect(files).toEqual([{ filename: 'disponibilite.csv', status: 'verified' }]);
    // The public obligation shows it as delivered, awaiting moderation.
    const pending = (await (
      await fetch(`${base}/api/v1/contracts/obligations/${obligationId}`)
    ).json()) as { occurrences: { dueOn: string; status: string }[] };
    expect(pending.occurrences.find((o) => o.dueOn === firstDue)!.status).toBe('submitted');

    // A moderator approves; the server's worker publishes; the script sees it and reports.
    const m = await makeModerator(t.db);
    const claim = await claimNextContribution(t.db, m);
    expect(claim?.id).toBe(created);
    await approveContribution(t.db, m, created, { expectedVersion: claim!.version });
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000)),
    ]);
    expect(code, `${out}\n${err}`).toBe(0);
    const done = steps().find((s) => s.step === 'done')!;
    expect(done).toMatchObject({ state: 'published', dueOn: firstDue, status: 'on_time' });
    expect(String(done.dataset)).toMatch(/^\/datasets\//);
    expect(steps().map((s) => s.step)).toEqual(
      expect.arrayContaining([
        'obligation',
        'created',
        'uploaded',
        'verified',
        'linked',
        'submitted',
        'done',
      ]),
    );

    const occ = await t.db
      .selectFrom('obligation_occurrence')
      .selectAll()
      .where('obligation_id', '=', obligationId)
      .orderBy('due_on')
      .executeTakeFirstOrThrow();
    expect(occ.fulfilled_by).toBe(created);
    expect(occ.on_time).toBe(true);
    const credit = await t.db
      .selectFrom('reputation_entry')
      .select('effective_delta')
      .where('reason', '=', 'obligation_on_time')
      .where('subject_id', '=', contractor.id)
      .execute();
    expect(credit).toEqual([{ effective_delta: 15 }]);
    const report = await transparencyReport(t.db, { titulaire: contractor.slug });
    expect(report.contractors[0]!.compliance.onTime).toBe(1);
    // No secret in the script's output.
    expect(out + err).not.toContain(secret);
  }, 300_000);
});
