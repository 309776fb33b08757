// The ledger pages on the real server (production build): a subject's public ledger and its
// exports, the verification recipe run for real against an export, my ledger, leaderboards,
// checkpoints, and the admins' pages.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditConfirmationReceived } from '../../app/domain/reputation/confirmations.server';
import { getStanding } from '../../app/domain/reputation/reputation.server';
import { VERIFY_SCRIPT } from '../../app/domain/reputation/verify-script';
import { checkpointDirectory, createCheckpoint, recordVerification, verifyLedger } from '../../app/domain/reputation/verify.server';
import { reverseLedgerEntry } from '../../app/domain/reputation/ledger.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { append, createUser } from './helpers';

let t: TestDatabase;
let server: TestServer;
let dataDir: string;
let work: string;
let alice: SignedInTestUser;

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-pages-data-'));
  work = await mkdtemp(path.join(os.tmpdir(), 'ledger-pages-work-'));
  server = await startTestServer({ db: t.db, pool: t.pool, env: { DATA_DIR: dataDir } });
  alice = await createUserWithSession(t.db, { pseudonym: 'Alice des Pentes' });
  const subject = { type: 'user' as const, id: alice.user.id };
  const first = await append(t.db, { subject, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-1' } });
  await t.db.transaction().execute((trx) => reverseLedgerEntry(trx, first.id, null, 'reversal_retraction'));
  await append(t.db, { subject, reason: 'rejected_spam', ref: { type: 'contribution', id: 'c-3' } });
  await append(t.db, { subject, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-2' } });
  for (let i = 0; i < 30; i++) await append(t.db, { subject, reason: 'observation_published', ref: { type: 'observation', id: `o-${i}` } });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const get = (p: string, cookie?: string) => fetch(`${server.url}${p}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

function sh(script: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('sh', [script, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('a subject’s public ledger', () => {
  it('shows the balance, privileges with the next threshold, and entries newest first with their cause, paginated', async () => {
    const res = await get(`/registre/user/${alice.user.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Registre de Alice des Pentes');
    const standing = await getStanding(t.db, { type: 'user', id: alice.user.id });
    expect(html).toContain(`Solde : ${standing.balance} points`);
    expect(html).toContain('Observateur de confiance');
    expect(html).toContain(`Prochain palier : Confirmations doublées à 200 points (encore ${200 - standing.balance})`);
    expect(html).toContain('href="/observations/o-29"');
    expect(html).toContain('Page 1 sur 2');
    const older = await (await get(`/registre/user/${alice.user.id}?page=2`)).text();
    expect(older).toContain('Contribution rejetée comme indésirable');
    expect(older).toContain('href="/contributions/c-1"');
    expect(older).toContain('annule l’écriture n° 1');
    expect(older).toContain('demandé -20');
    const en = await (await get(`/registre/user/${alice.user.id}?page=2&lng=en`)).text();
    expect(en).toContain('Contribution rejected as spam');
  });

  it('answers 404 for a malformed or unknown subject', async () => {
    expect((await get('/registre/user/alice')).status).toBe(404);
    expect((await get('/registre/planet/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/registre/user/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('exports the chain as CSV with hashes', async () => {
    const res = await get(`/registre/user/${alice.user.id}/export.csv`);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('id,subject_type,subject_id,seq,requested_delta,effective_delta,balance_after,reason,ref_type,ref_id,actor_id,reverses_entry_id,created_at,prev_hash,hash');
    expect(lines).toHaveLength(35);
    expect(lines[1]).toMatch(/,1,25,25,25,dataset_contribution_approved,contribution,c-1,,,.*Z,0{64},[0-9a-f]{64}$/);
  });

  it('the recipe of /registre/verifier verifies the JSON export with jq and sha256sum, and catches an edited copy', async () => {
    const page = await (await get('/registre/verifier')).text();
    expect(page).toContain('sha256sum | cut -d&#x27; &#x27; -f1');
    const served = await (await get('/registre/verifier-registre.sh')).text();
    expect(served).toBe(VERIFY_SCRIPT);
    const script = path.join(work, 'verifier-registre.sh');
    await writeFile(script, served);

    const exported = await (await get(`/registre/user/${alice.user.id}/export.json`)).text();
    const file = path.join(work, 'registre.json');
    await writeFile(file, exported);
    const standing = await getStanding(t.db, { type: 'user', id: alice.user.id });
    const ok = await sh(script, [file]);
    expect(ok.out.trim()).toBe(`OK: 34 entries, balance ${standing.balance}, head ${standing.headHash}`);
    expect(ok.code).toBe(0);

    const doc = JSON.parse(exported) as { entries: { seq: number; effective_delta: number; balance_after: number }[] };
    doc.entries[2]!.effective_delta = -20; // someone makes the spam penalty bite in their copy
    const edited = path.join(work, 'edited.json');
    await writeFile(edited, JSON.stringify(doc));
    const bad = await sh(script, [edited]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('BROKEN at seq 3: content does not match its hash');

    const dropped = JSON.parse(exported) as { entries: unknown[] };
    dropped.entries.splice(1, 1);
    await writeFile(edited, JSON.stringify(dropped));
    expect((await sh(script, [edited])).out).toContain('BROKEN at seq 3: expected seq 2');
  });
});

describe('an organisation’s ledger', () => {
  it('is reached by the organisation’s slug, and its public ledger links back to the organisation', async () => {
    const org = await t.db
      .insertInto('organization')
      .values({ name: 'Compost Solidaire', slug: 'compost-solidaire', kind: 'association' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await append(t.db, { subject: { type: 'organization', id: org.id }, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: 'c-org' } });
    const html = await (await get('/organisations/compost-solidaire/registre')).text();
    expect(html).toContain('Registre de Compost Solidaire');
    expect(html).toContain('Solde : 25 points');
    expect(html).toContain(`href="/registre/organization/${org.id}/export.json"`);
    expect(html).toContain('Prochain palier : Observateur de confiance à 50 points (encore 25)');
    const pub = await (await get(`/registre/organization/${org.id}`)).text();
    expect(pub).toContain('href="/organisations/compost-solidaire"');
    expect((await get('/organisations/nobody-here/registre')).status).toBe(404);
  });
});

describe('my ledger', () => {
  it('asks to sign in, then shows my own ledger', async () => {
    const anon = await get('/compte/registre');
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toMatch(/^\/connexion\?redirectTo=%2Fcompte%2Fregistre/);
    const res = await get('/compte/registre', alice.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Mon registre de réputation');
    expect(html).toContain(`href="/registre/user/${alice.user.id}/export.json"`);
    expect(html).toContain('Observateur de confiance');
  });
});

describe('leaderboards', () => {
  it('ranks citizens and organisations, all time and per month; a bad month is explained', async () => {
    const bob = await createUser(t.db, { pseudonym: 'Bob de la Croix-Rousse' });
    await append(t.db, { subject: { type: 'user', id: bob }, reason: 'reuse_declared' });
    await t.db.insertInto('territory').values({ code: '69123', name: 'Lyon', kind: 'commune' }).onConflict((oc) => oc.doNothing()).execute();
    const org = await t.db
      .insertInto('organization')
      .values({ name: 'Vélos du Rhône', slug: 'velos-du-rhone', kind: 'association', territory_code: '69123' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await append(t.db, { subject: { type: 'organization', id: org.id }, reason: 'obligation_on_time' });
    const html = await (await get('/registre/classements')).text();
    expect(html.indexOf('Alice des Pentes')).toBeLessThan(html.indexOf('Bob de la Croix-Rousse'));
    expect(html).toContain('Vélos du Rhône');
    const month = new Date().toISOString().slice(0, 7);
    const monthly = await (await get(`/registre/classements?mois=${month}`)).text();
    expect(monthly).toContain(`Points gagnés en ${month}`);
    expect(monthly).toContain('Bob de la Croix-Rousse');
    const past = await (await get('/registre/classements?mois=2001-01&commune=')).text();
    expect(past).toContain('Points gagnés en 2001-01');
    expect(past).not.toContain('Bob de la Croix-Rousse');
    expect(await (await get('/registre/classements?mois=2026-13')).text()).toContain('Indiquez un mois au format AAAA-MM.');
    const byCommune = await (await get('/registre/classements?commune=69123')).text();
    expect(byCommune).toContain('Organisations de Lyon');
    expect(byCommune.slice(byCommune.indexOf('Organisations de Lyon'))).toContain('Vélos du Rhône');
  });
});

describe('checkpoints and the admins’ pages', () => {
  it('publishes checkpoints with their file on a public page', async () => {
    const cp = await createCheckpoint(t.db, dataDir);
    const html = await (await get('/registre/points-de-controle')).text();
    expect(html).toContain(cp.digest);
    const file = await get(`/registre/points-de-controle/${cp.id}`);
    expect(file.status).toBe(200);
    const body = await file.text();
    expect(body).toBe(await readFile(path.join(checkpointDirectory(dataDir), cp.fileName!), 'utf8'));
    expect(JSON.parse(body).digest).toBe(cp.digest);
    expect((await get('/registre/points-de-controle/999999')).status).toBe(404);
  });

  it('shows the last verification to admins only', async () => {
    await recordVerification(t.db, await verifyLedger(t.db), 'job');
    const citizen = await get('/registre/verifications', alice.cookie);
    expect(citizen.status).toBe(403);
    const admin = await createUserWithSession(t.db, { isAdmin: true });
    await t.db.updateTable('users').set({ is_demo: true }).where('id', '=', admin.user.id).execute();
    const res = await get('/registre/verifications', admin.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Dernière vérification : Intègre');
  });

  it('lets an admin reverse the credits of a flagged pair with a plain form', async () => {
    const a = await createUser(t.db, { pseudonym: 'Camille' });
    const b = await createUser(t.db, { pseudonym: 'Dominique' });
    for (let i = 0; i < 3; i++) {
      await t.db.transaction().execute(async (trx) => {
        await creditConfirmationReceived(trx, { id: `x-${i}`, authorId: a }, b);
        await creditConfirmationReceived(trx, { id: `y-${i}`, authorId: b }, a);
      });
    }
    const admin = await createUserWithSession(t.db, { isAdmin: true });
    await t.db.updateTable('users').set({ is_demo: true }).where('id', '=', admin.user.id).execute();
    const page = await (await get('/registre/signalements', admin.cookie)).text();
    expect(page).toContain('Camille');
    const flag = await t.db.selectFrom('reputation_flag').select('id').where('resolved_at', 'is', null).executeTakeFirstOrThrow();
    const forbidden = await fetch(`${server.url}/registre/signalements`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ flagId: String(flag.id), decision: 'reverse' }),
      redirect: 'manual',
    });
    expect(forbidden.status).toBe(403);
    const post = (decision: string) =>
      fetch(`${server.url}/registre/signalements`, {
        method: 'POST',
        headers: { cookie: admin.cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ flagId: String(flag.id), decision }),
        redirect: 'manual',
      });
    const res = await post('reverse');
    expect(res.status).toBe(302);
    const after = await (await get(res.headers.get('location')!, admin.cookie)).text();
    expect(after).toContain('6 écritures de compensation ajoutées.');
    expect((await getStanding(t.db, { type: 'user', id: a })).balance).toBe(0);
    const audit = await sql<{ n: number }>`
      select count(*)::int as n from reputation_entry where reason = 'reversal_mutual_confirmation' and actor_id = ${admin.user.id}
    `.execute(t.db);
    expect(audit.rows[0]!.n).toBe(6);
    const again = await post('reverse');
    expect(again.status).toBe(409);
  });
});
