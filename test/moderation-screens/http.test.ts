// The moderation screens over real HTTP (production build, real PostgreSQL): forged or
// out-of-scope decisions are 403 with nothing written, bulk decisions skip what others
// took or decided, thread messages are bounded and inert, notifications follow every
// decision with the email preference honoured, previews are escaped and bounded, and the
// public statistics add up.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { loadModerator } from '../../app/domain/moderation/moderation.server';
import type { Moderator } from '../../app/domain/moderation/moderation.server';
import { sendDigests, setEmailMode } from '../../app/domain/moderation/notifications.server';
import { bulkDecide, claimContribution } from '../../app/domain/moderation/queue.server';
import { previewStoredFile } from '../../app/domain/catalogue/file-preview.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { prepareReferences } from '../contributions/helpers';
import { submitted } from '../moderation/helpers';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let t: TestDatabase;
let s: TestServer;
let refs: ReferenceLists;
let uploadsDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  uploadsDir = await mkdtemp(path.join(os.tmpdir(), 'td-modscreens-'));
  refs = await prepareReferences(t.db);
  s = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: uploadsDir } });
});
afterAll(async () => {
  await s?.close();
  await t?.close();
  await rm(uploadsDir, { recursive: true, force: true });
});

interface Mod {
  m: Moderator;
  cookie: string;
}

/** A moderator with a session (second factor on, as the role requires). */
async function moderator(scopes: { kind: 'territory' | 'theme'; code: string }[] = [{ kind: 'territory', code: '200046977' }]): Promise<Mod> {
  const u = await createUserWithSession(t.db);
  await t.db.updateTable('users').set({ totp_enabled_at: new Date(), totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', u.user.id).execute();
  await t.db.insertInto('moderator_scope').values(scopes.map((x) => ({ user_id: u.user.id, ...x }))).execute();
  return { m: (await loadModerator(t.db, u.user.id))!, cookie: u.cookie };
}

function post(url: string, cookie: string, fields: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return fetch(`${s.url}${url}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, Origin: s.url, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
}

const get = (url: string, cookie = '') => fetch(`${s.url}${url}`, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} });

async function trail(id: string) {
  const c = await t.db.selectFrom('contribution').select(['state', 'version', 'claimed_by']).where('id', '=', id).executeTakeFirstOrThrow();
  const events = await t.db.selectFrom('moderation_event').select('id').where('contribution_id', '=', id).execute();
  const ledger = await t.db.selectFrom('reputation_entry').select('id').execute();
  const outbox = await t.db.selectFrom('email_outbox').select('id').execute();
  const notes = await t.db.selectFrom('notification').select('id').execute();
  return { ...c, events: events.length, ledger: ledger.length, outbox: outbox.length, notes: notes.length };
}

describe('decisions over HTTP', () => {
  it('refuses a forged decision on an item the moderator does not hold, or out of scope, with 403 and nothing written', async () => {
    const holder = await moderator();
    const other = await moderator();
    const elsewhere = await moderator([{ kind: 'territory', code: '69266' }]); // Villeurbanne only
    const { id } = await submitted(t.db, refs, uploadsDir, { draft: { communes: ['69123'] } });

    // Not claimed by anyone: a forged approval is refused.
    let before = await trail(id);
    let r = await post(`/moderation/${id}`, other.cookie, { intent: 'decide', decision: 'approve', comment: '' });
    expect(r.status).toBe(403);
    expect(await trail(id)).toEqual(before);

    await claimContribution(t.db, holder.m, id);
    before = await trail(id);
    const forged: Record<string, string>[] = [
      { intent: 'decide', decision: 'approve', comment: '' },
      { intent: 'decide', decision: 'reject', reasonCode: 'spam', comment: 'forgé' },
      { intent: 'decide', decision: 'request_changes', comment: 'forgé' },
      { intent: 'release' },
    ];
    for (const fields of forged) {
      r = await post(`/moderation/${id}`, other.cookie, fields);
      expect(r.status, JSON.stringify(fields)).toBe(403);
    }
    // Out of scope: cannot read it, claim it, decide on it or write in its thread.
    expect((await get(`/moderation/${id}`, elsewhere.cookie)).status).toBe(403);
    expect((await post(`/moderation/${id}`, elsewhere.cookie, { intent: 'decide', decision: 'approve', comment: '' })).status).toBe(403);
    expect((await post('/moderation?index', elsewhere.cookie, { intent: 'claim', id })).status).toBe(403);
    expect((await post(`/moderation/${id}`, elsewhere.cookie, { intent: 'comment', body: 'bonjour' })).status).toBe(404);
    expect(await trail(id)).toEqual(before);
    expect(await t.db.selectFrom('comment').select('id').where('contribution_id', '=', id).execute()).toHaveLength(0);

    // A citizen is not a moderator at all.
    const citizen = await createUserWithSession(t.db);
    expect((await post(`/moderation/${id}`, citizen.cookie, { intent: 'decide', decision: 'approve', comment: '' })).status).toBe(403);

    // The holder's decision goes through (and the contributor is notified).
    r = await post(`/moderation/${id}`, holder.cookie, { intent: 'decide', decision: 'request_changes', comment: 'Précisez la licence.' });
    expect(r.status).toBe(302);
    const after = await trail(id);
    expect(after.state).toBe('changes_requested');
    expect(after.notes).toBe(before.notes + 1);
  });

  it('asks for the reason and the comment a rejection needs, in the user’s language', async () => {
    const mod = await moderator();
    const { id } = await submitted(t.db, refs, uploadsDir);
    await claimContribution(t.db, mod.m, id);
    let r = await post(`/moderation/${id}`, mod.cookie, { intent: 'decide', decision: 'reject', reasonCode: '', comment: 'non' });
    expect(r.status).toBe(422);
    expect(await r.text()).toContain('Choisissez un motif de refus.');
    r = await post(`/moderation/${id}`, mod.cookie, { intent: 'decide', decision: 'reject', reasonCode: 'duplicate', comment: '   ' });
    expect(r.status).toBe(422);
    expect(await r.text()).toContain('Écrivez un commentaire pour le contributeur.');
    expect((await trail(id)).state).toBe('in_review');
  });
});

describe('bulk decisions', () => {
  it('decides the others and reports, item by item, those someone else claimed or decided meanwhile', async () => {
    const me = await moderator();
    const other = await moderator();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await submitted(t.db, refs, uploadsDir, { draft: { title: `Lot groupé ${i}` } })).id);
    const [a, b, c, d] = ids as [string, string, string, string];
    await claimContribution(t.db, other.m, b); // claimed by someone else
    await claimContribution(t.db, other.m, c);
    await post(`/moderation/${c}`, other.cookie, { intent: 'decide', decision: 'reject', reasonCode: 'spam', comment: 'déjà' }); // decided

    const r = await post('/moderation?index', me.cookie, { intent: 'bulk', decision: 'reject', reasonCode: 'duplicate', comment: 'Doublon du jeu existant.', ids });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('« Lot groupé 1 » : écartée — Un autre modérateur tient cet élément.');
    expect(html).toContain('« Lot groupé 2 » : écartée — déjà Refusée');

    const states = await t.db.selectFrom('contribution').select(['id', 'state', 'claimed_by']).where('id', 'in', ids).execute();
    const st = (id: string) => states.find((x) => x.id === id)!;
    expect(st(a).state).toBe('rejected');
    expect(st(d).state).toBe('rejected');
    expect(st(b)).toMatchObject({ state: 'in_review', claimed_by: other.m.id });
    expect(st(c).state).toBe('rejected');
    // Each decided item has its own claim and reject events, with the one reason and comment.
    for (const id of [a, d]) {
      const ev = await t.db.selectFrom('moderation_event').select(['action', 'reason_code', 'comment', 'actor_id']).where('contribution_id', '=', id).orderBy('id').execute();
      expect(ev.map((e) => e.action)).toEqual(['submit', 'claim', 'reject']);
      expect(ev[2]).toMatchObject({ reason_code: 'duplicate', comment: 'Doublon du jeu existant.', actor_id: me.m.id });
    }
  });

  it('refuses a bulk rejection without a reason before touching anything', async () => {
    const me = await moderator();
    const { id } = await submitted(t.db, refs, uploadsDir);
    await expect(bulkDecide(t.db, me.m, [id], { decision: 'reject', comment: 'x', reasonCode: undefined, version: undefined })).rejects.toMatchObject({ code: 'reason_required' });
    expect((await trail(id)).state).toBe('submitted');
  });
});

describe('the conversation', () => {
  it('refuses a 20 000-character message and renders HTML or script as inert text', async () => {
    const mod = await moderator();
    const contributor = await createUserWithSession(t.db);
    const { id } = await submitted(t.db, refs, uploadsDir, { submitterId: contributor.user.id });
    await claimContribution(t.db, mod.m, id);

    let r = await post(`/compte/contributions/${id}`, contributor.cookie, { intent: 'comment', body: 'x'.repeat(20_000) });
    expect(r.status).toBe(422);
    expect(await r.text()).toContain('Le message dépasse 4000 caractères.');
    r = await post(`/compte/contributions/${id}`, contributor.cookie, { intent: 'comment', body: '   ' });
    expect(r.status).toBe(422);
    expect(await t.db.selectFrom('comment').select('id').where('contribution_id', '=', id).execute()).toHaveLength(0);

    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)> <b>gras</b>';
    r = await post(`/compte/contributions/${id}`, contributor.cookie, { intent: 'comment', body: evil });
    expect(r.status).toBe(200);
    const stored = await t.db.selectFrom('comment').select(['body', 'author_role']).where('contribution_id', '=', id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ body: evil, author_role: 'contributor' });
    // The holder is notified of the reply.
    const note = await t.db.selectFrom('notification').select(['kind', 'url']).where('user_id', '=', mod.m.id).executeTakeFirstOrThrow();
    expect(note).toEqual({ kind: 'reply', url: `/moderation/${id}#fil` });

    for (const [url, cookie] of [
      [`/moderation/${id}`, mod.cookie],
      [`/compte/contributions/${id}`, contributor.cookie],
    ] as const) {
      const html = await (await get(url, cookie)).text();
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<b>gras</b>');
    }
    // The moderator answers; the contributor is notified and sees the count in the header.
    r = await post(`/moderation/${id}`, mod.cookie, { intent: 'comment', body: 'Merci, je regarde.' });
    expect(r.status).toBe(200);
    const page = await (await get('/compte/contributions', contributor.cookie)).text();
    expect(page).toContain('Notifications (1 non lue)');
  });
});

describe('notifications', () => {
  it('notifies every decision in-app, emails by preference, marks read, and sends the daily digest', async () => {
    const mod = await moderator();
    const contributor = await createUserWithSession(t.db);
    const outboxTo = async () =>
      (await t.db.selectFrom('email_outbox').select(['template']).where('to_address', '=', contributor.user.email).execute()).map((x) => x.template);

    const first = await submitted(t.db, refs, uploadsDir, { submitterId: contributor.user.id, draft: { title: 'Première contribution' } });
    await claimContribution(t.db, mod.m, first.id);
    await post(`/moderation/${first.id}`, mod.cookie, { intent: 'decide', decision: 'approve', comment: '' });
    expect(await outboxTo()).toEqual(['contribution_event']); // immediate by default
    await publishApprovedContribution(t.db, first.id, { storage: new DirectoryStorage(uploadsDir) });

    // Off: in-app only.
    let r = await post('/notifications', contributor.cookie, { intent: 'preference', mode: 'off' });
    expect(r.status).toBe(302);
    const second = await submitted(t.db, refs, uploadsDir, { submitterId: contributor.user.id, draft: { title: 'Deuxième contribution' } });
    await claimContribution(t.db, mod.m, second.id);
    await post(`/moderation/${second.id}`, mod.cookie, { intent: 'decide', decision: 'reject', reasonCode: 'poor_quality', comment: 'Colonnes vides.' });
    expect(await outboxTo()).toEqual(['contribution_event', 'contribution_event']); // approval + publication, not the rejection

    let html = await (await get('/notifications', contributor.cookie)).text();
    expect(html).toContain('« Deuxième contribution » a été refusée.');
    expect(html).toContain('« Première contribution » est publiée.');
    expect(html).toContain('« Première contribution » a été approuvée.');
    expect(html).toContain('Notifications (3 non lues)');

    // Digest: one email for what happened since, then nothing more.
    await setEmailMode(t.db, contributor.user.id, 'digest');
    const third = await submitted(t.db, refs, uploadsDir, { submitterId: contributor.user.id, draft: { title: 'Troisième contribution' } });
    await claimContribution(t.db, mod.m, third.id);
    await post(`/moderation/${third.id}`, mod.cookie, { intent: 'decide', decision: 'request_changes', comment: 'Ajoutez une période.' });
    expect(await sendDigests(t.db)).toBe(1);
    expect(await sendDigests(t.db)).toBe(0);
    const digest = await t.db.selectFrom('email_outbox').select(['template', 'body_text']).where('to_address', '=', contributor.user.email).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(digest.template).toBe('notification_digest');
    expect(digest.body_text).toContain('« Troisième contribution » : modifications demandées');
    expect(digest.body_text).not.toContain('Première');

    // Mark one read (and follow its link), then all; never someone else's.
    const mine = await t.db.selectFrom('notification').select(['id', 'url']).where('user_id', '=', contributor.user.id).orderBy('id').execute();
    const stranger = await createUserWithSession(t.db);
    r = await post('/notifications', stranger.cookie, { intent: 'read', id: String(mine[0]!.id), to: mine[0]!.url });
    expect(await t.db.selectFrom('notification').select('read_at').where('id', '=', mine[0]!.id).executeTakeFirstOrThrow()).toEqual({ read_at: null });
    r = await post('/notifications', contributor.cookie, { intent: 'read', id: String(mine[0]!.id), to: mine[0]!.url });
    expect(r.headers.get('location')).toBe(mine[0]!.url);
    r = await post('/notifications', contributor.cookie, { intent: 'read', id: String(mine[1]!.id), to: 'https://evil.example/' });
    expect(r.headers.get('location')).toBe('/notifications');
    r = await post('/notifications', contributor.cookie, { intent: 'readAll' });
    html = await (await get('/notifications', contributor.cookie)).text();
    expect(html).not.toContain('non lue');
  });
});

describe('queue and review screen', () => {
  it('lists items of the moderator’s scopes with URL filters and live counts, and previews CSV as escaped, bounded text', async () => {
    const mod = await moderator([{ kind: 'territory', code: '69259' }]);
    const inScope = await submitted(t.db, refs, uploadsDir, { draft: { title: 'Stationnement Vénissieux', communes: ['69259'] } });
    await submitted(t.db, refs, uploadsDir, { draft: { title: 'Parcs de Lyon', communes: ['69123'] } });
    // A hostile CSV in the in-scope item.
    const key = await t.db
      .selectFrom('contribution as c')
      .innerJoin('revision_upload as ru', 'ru.revision_id', 'c.current_revision_id')
      .innerJoin('upload as u', 'u.id', 'ru.upload_id')
      .select('u.storage_key')
      .where('c.id', '=', inScope.id)
      .executeTakeFirstOrThrow();
    await writeFile(path.join(uploadsDir, key.storage_key), 'nom;valeur;date\n"<script>alert(1)</script>";12;2026-01-02\n<img src=x onerror=alert(2)>;13;2026-01-03\n');

    let html = await (await get('/moderation', mod.cookie)).text();
    expect(html).toContain('Stationnement Vénissieux');
    expect(html).not.toContain('Parcs de Lyon');
    html = await (await get('/moderation?personalData=yes', mod.cookie)).text();
    expect(html).not.toContain('Stationnement Vénissieux');
    const counts = await (await get('/moderation/compteurs', mod.cookie)).json();
    expect(counts).toMatchObject({ submitted: 1, in_review: 0 });

    await claimContribution(t.db, mod.m, inScope.id);
    html = await (await get(`/moderation/${inScope.id}`, mod.cookie)).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('entier'); // the "valeur" column type
    // Downloads are attachments of an opaque type.
    const file = await t.db
      .selectFrom('contribution as c')
      .innerJoin('revision_upload as ru', 'ru.revision_id', 'c.current_revision_id')
      .select('ru.upload_id')
      .where('c.id', '=', inScope.id)
      .executeTakeFirstOrThrow();
    const dl = await get(`/moderation/${inScope.id}/fichiers/${file.upload_id}`, mod.cookie);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('application/octet-stream');
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(await dl.text()).toContain('<script>');

    // A large file is read only up to the bound.
    const big = 'a;b\n' + '1;2\n'.repeat(500_000);
    await writeFile(path.join(uploadsDir, 'big.csv'), big);
    const p = await previewStoredFile(new DirectoryStorage(uploadsDir), { storageKey: 'big.csv', filename: 'big.csv' }, { tableBytes: 4096, maxRows: 20 });
    expect(p).toMatchObject({ kind: 'table', header: ['a', 'b'], truncated: true });
    expect(p!.kind === 'table' && p!.rows).toHaveLength(20);
    expect(await previewStoredFile(new DirectoryStorage(uploadsDir), { storageKey: '../../etc/passwd', filename: 'passwd.csv' })).toBeNull();
  });
});

describe('public statistics', () => {
  it('publishes monthly figures and the same as CSV, to anyone', async () => {
    const html = await (await get('/moderation/statistiques')).text();
    expect(html).toContain('Statistiques de modération');
    const r = await get('/moderation/statistiques.csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/csv');
    const lines = (await r.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^month,decided,approved,rejected,changes_requested,median_hours_to_first_decision,p90_hours_to_first_decision,approved_after_changes,retracted,rejected_out_of_scope/);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const row = lines.find((l) => l.startsWith(month))!.split(',');
    const header = lines[0]!.split(',');
    const col = (name: string) => Number(row[header.indexOf(name)]);
    // Earlier tests in this file rejected at least 4 items (duplicates and spam) and approved 1.
    expect(col('rejected')).toBeGreaterThanOrEqual(4);
    expect(col('rejected_duplicate')).toBeGreaterThanOrEqual(2);
    expect(col('approved')).toBeGreaterThanOrEqual(1);
    expect(col('median_hours_to_first_decision')).toBeGreaterThanOrEqual(0);
  });
});
