// Admins manage the themes and observation categories; citizens cannot; bad input writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listReferenceEntries } from '../../app/domain/admin/reference-lists.server';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

let t: TestDatabase;
let server: TestServer;
beforeAll(async () => {
  t = await createTestDatabase();
  server = await startTestServer({ db: t.db, pool: t.pool });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const post = (cookie: string, body: Record<string, string>) =>
  fetch(`${server.url}/admin/listes`, {
    method: 'POST',
    headers: { cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
    redirect: 'manual',
  });

describe('/admin/listes', () => {
  it('lets an admin add a theme and switch a category off, audited', async () => {
    const { user, cookie } = await createUserWithSession(t.db, { isAdmin: true });
    await t.db.updateTable('users').set({ totp_enabled_at: new Date(), totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', user.id).execute();
    const r = await post(cookie, { list: 'theme', code: 'patrimoine', labelFr: 'Patrimoine', labelEn: 'Heritage', position: '20', active: 'on' });
    expect(r.status).toBe(200);
    expect((await listReferenceEntries(t.db, 'theme')).find((e) => e.code === 'patrimoine')).toEqual({
      code: 'patrimoine',
      labelFr: 'Patrimoine',
      labelEn: 'Heritage',
      position: 20,
      active: true,
    });
    await post(cookie, { list: 'theme', code: 'patrimoine', labelFr: 'Patrimoine', labelEn: 'Heritage', position: '20' });
    expect((await listReferenceEntries(t.db, 'theme')).find((e) => e.code === 'patrimoine')?.active).toBe(false);
    const audit = await t.db.selectFrom('audit_log').select('action').where('target_id', '=', 'patrimoine').execute();
    expect(audit.map((a) => a.action)).toEqual(['reference.theme.save', 'reference.theme.save']);

    const bad = await post(cookie, { list: 'theme', code: 'Pas Un Code!', labelFr: 'x', labelEn: '' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('code');
    expect((await listReferenceEntries(t.db, 'theme')).some((e) => e.code === 'Pas Un Code!')).toBe(false);
  });

  it('refuses a citizen', async () => {
    const { cookie } = await createUserWithSession(t.db);
    const r = await post(cookie, { list: 'theme', code: 'intrus', labelFr: 'Intrus', labelEn: 'Intruder' });
    expect([302, 303, 401, 403]).toContain(r.status);
    expect((await listReferenceEntries(t.db, 'theme')).some((e) => e.code === 'intrus')).toBe(false);
  });
});
