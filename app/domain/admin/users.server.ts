// Platform administration of accounts: search, roles (admin, moderator scopes), every
// change written to the audit log in the same transaction.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import type { ModeratorScope } from '../identity/permissions.server';
import { getModeratorScopes } from '../identity/permissions.server';
import { appendAuditLog } from './audit.server';

export interface UserSummary {
  id: string;
  email: string;
  pseudonym: string;
  isAdmin: boolean;
  isDemo: boolean;
  emailVerified: boolean;
  totpEnabled: boolean;
  scopeCount: number;
  createdAt: Date;
  deleted: boolean;
}

export async function searchUsers(
  db: DB,
  opts: { q?: string; role?: 'admin' | 'moderator'; limit?: number } = {},
): Promise<UserSummary[]> {
  let q = db
    .selectFrom('users')
    .select([
      'users.id',
      'users.email',
      'users.pseudonym',
      'users.is_admin as isAdmin',
      'users.is_demo as isDemo',
      'users.created_at as createdAt',
      sql<boolean>`users.email_verified_at is not null`.as('emailVerified'),
      sql<boolean>`users.totp_enabled_at is not null`.as('totpEnabled'),
      sql<boolean>`users.deleted_at is not null`.as('deleted'),
      (eb) =>
        eb
          .selectFrom('moderator_scope')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('moderator_scope.user_id', '=', 'users.id')
          .as('scopeCount'),
    ])
    .orderBy('users.created_at', 'desc')
    .limit(Math.min(opts.limit ?? 50, 200));
  if (opts.q) {
    const like = `%${opts.q.toLowerCase()}%`;
    q = q.where(sql<boolean>`(lower(users.email) || ' ' || lower(users.pseudonym)) like ${like}`);
  }
  if (opts.role === 'admin') q = q.where('users.is_admin', '=', true);
  if (opts.role === 'moderator')
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('moderator_scope')
          .select('id')
          .whereRef('moderator_scope.user_id', '=', 'users.id'),
      ),
    );
  return (await q.execute()).map((r) => ({ ...r, scopeCount: r.scopeCount ?? 0 }));
}

export async function getUserForAdmin(db: DB, userId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) return null;
  const u = await db
    .selectFrom('users')
    .select([
      'id',
      'email',
      'pseudonym',
      'is_admin',
      'is_demo',
      'email_verified_at',
      'totp_enabled_at',
      'created_at',
      'deleted_at',
      'locale',
    ])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!u) return null;
  const scopes = await getModeratorScopes(db, userId);
  const memberships = await db
    .selectFrom('membership')
    .innerJoin('organization', 'organization.id', 'membership.organization_id')
    .select(['organization.slug', 'organization.name', 'membership.role'])
    .where('membership.user_id', '=', userId)
    .execute();
  return { ...u, scopes, memberships };
}

export async function setAdmin(
  db: DB,
  actorId: string,
  userId: string,
  isAdmin: boolean,
): Promise<'ok' | 'self' | 'missing'> {
  if (actorId === userId && !isAdmin) return 'self';
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('users')
      .set({ is_admin: isAdmin })
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!Number(r.numUpdatedRows)) return 'missing' as const;
    await appendAuditLog(trx, {
      actorId,
      action: isAdmin ? 'user.admin_grant' : 'user.admin_revoke',
      targetType: 'user',
      targetId: userId,
    });
    return 'ok' as const;
  });
}

export async function addModeratorScope(
  db: DB,
  actorId: string,
  userId: string,
  scope: ModeratorScope,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('moderator_scope')
      .values({ user_id: userId, kind: scope.kind, code: scope.code, granted_by: actorId })
      .onConflict((oc) => oc.columns(['user_id', 'kind', 'code']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!r) return false;
    await appendAuditLog(trx, {
      actorId,
      action: 'user.moderator_scope_grant',
      targetType: 'user',
      targetId: userId,
      details: { ...scope },
    });
    return true;
  });
}

export async function removeModeratorScope(
  db: DB,
  actorId: string,
  userId: string,
  scope: ModeratorScope,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .deleteFrom('moderator_scope')
      .where('user_id', '=', userId)
      .where('kind', '=', scope.kind)
      .where('code', '=', scope.code)
      .executeTakeFirst();
    if (!Number(r.numDeletedRows)) return false;
    await appendAuditLog(trx, {
      actorId,
      action: 'user.moderator_scope_revoke',
      targetType: 'user',
      targetId: userId,
      details: { ...scope },
    });
    return true;
  });
}

export async function adminDashboardCounts(db: DB) {
  const r = await sql<{
    users: number;
    unverifiedOrgs: number;
    pendingEmails: number;
    failedEmails: number;
  }>`
    select (select count(*) from users where deleted_at is null)::int as users,
           (select count(*) from organization where verified_at is null)::int as "unverifiedOrgs",
           (select count(*) from email_outbox where status = 'pending')::int as "pendingEmails",
           (select count(*) from email_outbox where status = 'failed')::int as "failedEmails"`.execute(
    db,
  );
  return r.rows[0]!;
}
