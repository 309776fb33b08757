// The personal-data registry: what each area registers is exported and erased with the
// account, and the retention job deletes what is past its period (and nothing else).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteAccount,
  enforceRetention,
  exportPersonalData,
  personalDataRegistrations,
} from '../../app/domain/identity/personal-data.features.server';
import { registerPersonalData } from '../../app/domain/identity/personal-data.server';
import { sendEmail } from '../../app/domain/email/outbox.server';
import { appendAuditLog } from '../../app/domain/admin/audit.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { makeUser } from './support';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('personal-data registry', () => {
  it('registers the identity tables, each with an export and an erasure', () => {
    const names = personalDataRegistrations().map((r) => r.table);
    for (const table of [
      'users',
      'sessions',
      'email_token',
      'recovery_code',
      'membership',
      'membership_request',
      'moderator_scope',
      'email_outbox',
      'audit_log',
    ])
      expect(names).toContain(table);
    // The account row itself is erased last.
    expect(personalDataRegistrations().at(-1)!.table).toBe('users');
  });

  it('a table registered by another area is exported and erased with the account', async () => {
    await sql`create table if not exists test_feature_notes (user_id uuid, note text, created_at timestamptz default now())`.execute(
      t.db,
    );
    registerPersonalData({
      name: 'test_feature_notes',
      table: 'test_feature_notes',
      export: async (db, userId) =>
        (
          await sql<{
            note: string;
          }>`select note from test_feature_notes where user_id = ${userId}`.execute(db)
        ).rows,
      erase: async (trx, userId) => {
        await sql`delete from test_feature_notes where user_id = ${userId}`.execute(trx);
      },
      retentionDays: 30,
    });
    const u = await makeUser(t.db);
    await sql`insert into test_feature_notes (user_id, note) values (${u.id}, 'mine')`.execute(
      t.db,
    );
    const exported = await exportPersonalData(t.db, u.id);
    expect(exported.data.test_feature_notes).toEqual([{ note: 'mine' }]);
    expect(exported.data.account).toMatchObject({ email: u.email });
    await deleteAccount(t.db, u.id);
    expect(
      (await sql`select * from test_feature_notes where user_id = ${u.id}`.execute(t.db)).rows,
    ).toHaveLength(0);
  });

  it('the retention job deletes what is past its period, and keeps the rest', async () => {
    const u = await makeUser(t.db);
    const old = new Date(Date.now() - 100 * 86_400_000);
    await sendEmail(t.db, {
      to: u.email,
      userId: u.id,
      template: 'verify_email',
      locale: 'fr',
      params: { pseudonym: 'a', url: 'u' },
    });
    await sendEmail(t.db, {
      to: u.email,
      userId: u.id,
      template: 'verify_email',
      locale: 'fr',
      params: { pseudonym: 'b', url: 'u' },
    });
    await t.db
      .updateTable('email_outbox')
      .set({ created_at: old })
      .where('params', '@>', JSON.stringify({ pseudonym: 'a' }))
      .execute();
    await t.db
      .insertInto('sessions')
      .values({ id_hash: 'expired', user_id: u.id, expires_at: new Date(Date.now() - 1000) })
      .execute();
    await t.db
      .insertInto('audit_log')
      .values({ actor_id: u.id, action: 'test.old', at: new Date(Date.now() - 400 * 86_400_000) })
      .execute();
    await appendAuditLog(t.db, { actorId: u.id, action: 'test.recent' });
    await sql`insert into test_feature_notes (user_id, note, created_at) values (${u.id}, 'old', now() - interval '31 days'), (${u.id}, 'new', now())`.execute(
      t.db,
    );

    const purged = await enforceRetention(t.db);
    expect(purged).toMatchObject({ emails: 1, sessions: 1, audit_log: 1, test_feature_notes: 1 });
    const emails = await t.db
      .selectFrom('email_outbox')
      .select('params')
      .where('user_id', '=', u.id)
      .execute();
    expect(emails).toHaveLength(1);
    expect(
      await t.db.selectFrom('sessions').select('id_hash').where('user_id', '=', u.id).execute(),
    ).toHaveLength(1);
    const actions = (
      await t.db.selectFrom('audit_log').select('action').where('actor_id', '=', u.id).execute()
    ).map((r) => r.action);
    expect(actions).toEqual(['test.recent']);
    expect(
      (
        await sql<{
          note: string;
        }>`select note from test_feature_notes where user_id = ${u.id}`.execute(t.db)
      ).rows,
    ).toEqual([{ note: 'new' }]);
  });
});
