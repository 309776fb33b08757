// The identity area's personal data: account, sessions, emailed tokens, second factor,
// memberships, join requests, moderator scopes, outbox, audit log.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { registerPersonalData } from './personal-data.server';

export const DELETED_PSEUDONYM = 'compte supprimé';

registerPersonalData({
  name: 'account',
  table: 'users',
  order: 1000, // last: the row stays (contributions point to it), its personal fields go
  export: (db, userId) =>
    db
      .selectFrom('users')
      .select([
        'id',
        'email',
        'pending_email',
        'pseudonym',
        'locale',
        'email_verified_at',
        'created_at',
        'updated_at',
        'is_admin',
        'terms_version',
        'terms_accepted_at',
        'totp_enabled_at',
      ])
      .where('id', '=', userId)
      .executeTakeFirst(),
  erase: async (trx, userId) => {
    await trx
      .updateTable('users')
      .set({
        email: sql`'deleted+' || id || '@invalid.terridata'`,
        pending_email: null,
        pseudonym: DELETED_PSEUDONYM,
        password_hash: null,
        totp_secret: null,
        totp_enabled_at: null,
        email_verified_at: null,
        is_admin: false,
        deleted_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', userId)
      .execute();
  },
});

registerPersonalData({
  name: 'sessions',
  table: 'sessions',
  export: (db, userId) =>
    db
      .selectFrom('sessions')
      .select(['created_at', 'last_seen_at', 'expires_at', 'user_agent'])
      .where('user_id', '=', userId)
      .execute(),
  erase: async (trx, userId) => {
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  },
  purge: async (db, now) =>
    Number(
      (await db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst())
        .numDeletedRows,
    ),
});

registerPersonalData({
  name: 'email_tokens',
  table: 'email_token',
  export: (db, userId) =>
    db
      .selectFrom('email_token')
      .select(['purpose', 'email', 'created_at', 'expires_at', 'used_at'])
      .where('user_id', '=', userId)
      .execute(),
  erase: async (trx, userId) => {
    await trx.deleteFrom('email_token').where('user_id', '=', userId).execute();
  },
  // Kept 7 days after expiry (to answer "this link was already used"), then deleted.
  purge: async (db, now) =>
    Number(
      (
        await db
          .deleteFrom('email_token')
          .where('expires_at', '<', new Date(now.getTime() - 7 * 86_400_000))
          .executeTakeFirst()
      ).numDeletedRows,
    ),
});

registerPersonalData({
  name: 'recovery_codes',
  table: 'recovery_code',
  export: async (db, userId) => ({
    unused: Number(
      (
        await db
          .selectFrom('recovery_code')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .where('used_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    ),
  }),
  erase: async (trx, userId) => {
    await trx.deleteFrom('recovery_code').where('user_id', '=', userId).execute();
  },
});

registerPersonalData({
  name: 'memberships',
  table: 'membership',
  export: (db, userId) =>
    db
      .selectFrom('membership')
      .innerJoin('organization', 'organization.id', 'membership.organization_id')
      .select([
        'organization.slug',
        'organization.name',
        'membership.role',
        'membership.created_at',
      ])
      .where('membership.user_id', '=', userId)
      .execute(),
  erase: async (trx, userId) => {
    await trx.deleteFrom('membership').where('user_id', '=', userId).execute();
  },
});

registerPersonalData({
  name: 'membership_requests',
  table: 'membership_request',
  retentionDays: 365,
  retentionColumn: 'created_at',
  export: (db, userId) =>
    db
      .selectFrom('membership_request')
      .innerJoin('organization', 'organization.id', 'membership_request.organization_id')
      .select([
        'organization.slug',
        'membership_request.message',
        'membership_request.status',
        'membership_request.created_at',
        'membership_request.decided_at',
      ])
      .where('membership_request.user_id', '=', userId)
      .execute(),
  erase: async (trx, userId) => {
    await trx.deleteFrom('membership_request').where('user_id', '=', userId).execute();
  },
});

registerPersonalData({
  name: 'moderator_scopes',
  table: 'moderator_scope',
  export: (db, userId) =>
    db
      .selectFrom('moderator_scope')
      .select(['kind', 'code', 'created_at'])
      .where('user_id', '=', userId)
      .execute(),
  erase: async (trx, userId) => {
    await trx.deleteFrom('moderator_scope').where('user_id', '=', userId).execute();
  },
});

registerPersonalData({
  name: 'emails',
  table: 'email_outbox',
  retentionDays: 90,
  export: (db, userId) =>
    db
      .selectFrom('email_outbox')
      .select(['to_address', 'template', 'subject', 'status', 'created_at', 'sent_at'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
  erase: async (trx, userId) => {
    await trx.deleteFrom('email_outbox').where('user_id', '=', userId).execute();
  },
});

// The audit log is kept (accountability of admins' acts); it points to the anonymised
// account row and holds no contact data. Deleted after a year by the retention job.
registerPersonalData({
  name: 'audit_log',
  table: 'audit_log',
  export: (db: DB, userId: string) =>
    db
      .selectFrom('audit_log')
      .select(['at', 'action', 'target_type', 'target_id', 'details'])
      .where((eb) =>
        eb.or([
          eb('actor_id', '=', userId),
          eb.and([eb('target_type', '=', 'user'), eb('target_id', '=', userId)]),
        ]),
      )
      .orderBy('id')
      .execute(),
  erase: async () => {},
  purge: async (db, now) =>
    db.transaction().execute(async (trx) => {
      await sql`set local terridata.retention = 'on'`.execute(trx);
      const r = await trx
        .deleteFrom('audit_log')
        .where('at', '<', new Date(now.getTime() - 365 * 86_400_000))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    }),
});
