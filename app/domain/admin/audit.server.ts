// The admins' audit log: append-only (the table refuses updates and deletes, except the
// retention job's), readable and filterable at /admin/journal.
import { sql } from 'kysely';
import type { DB } from '#db/client';

export interface AuditEntryInput {
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export async function appendAuditLog(trx: DB, e: AuditEntryInput): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType ?? null,
      target_id: e.targetId ?? null,
      details: JSON.stringify(e.details ?? {}),
    })
    .execute();
}

export interface AuditEntry {
  id: number;
  at: Date;
  actorId: string | null;
  actorPseudonym: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: unknown;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  target?: string;
  before?: number;
  limit?: number;
}

export async function listAuditLog(db: DB, f: AuditFilter = {}): Promise<AuditEntry[]> {
  let q = db
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.actor_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.actor_id as actorId',
      'users.pseudonym as actorPseudonym',
      'audit_log.action',
      'audit_log.target_type as targetType',
      'audit_log.target_id as targetId',
      'audit_log.details',
    ])
    .orderBy('audit_log.id', 'desc')
    .limit(Math.min(f.limit ?? 100, 500));
  if (f.action)
    q = q.where('audit_log.action', 'like', `${f.action.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
  if (f.actor)
    q = q.where(
      sql<boolean>`(users.pseudonym ilike ${'%' + f.actor + '%'} or users.email ilike ${'%' + f.actor + '%'})`,
    );
  if (f.target) q = q.where('audit_log.target_id', '=', f.target);
  if (f.before) q = q.where('audit_log.id', '<', f.before);
  return q.execute();
}

export const distinctAuditActions = async (db: DB) =>
  (await db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute()).map(
    (r) => r.action,
  );
