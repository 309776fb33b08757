// Publisher upkeep: the admins of a dataset's organisation archive it (still readable and
// downloadable, marked archived with a reason, left out of default search results) or
// restore it. Both are written to the audit log in the same transaction.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';

export class UpkeepError extends Error {
  constructor(
    public code: 'not_found' | 'forbidden' | 'reason_required' | 'already_archived' | 'not_archived',
    message: string,
  ) {
    super(message);
  }
}

/** Whether the user administers the organisation that publishes the dataset. */
export async function canManageDataset(db: DB, userId: string, datasetId: string): Promise<boolean> {
  const row = await db
    .selectFrom('dataset as d')
    .innerJoin('membership as m', 'm.organization_id', 'd.organization_id')
    .select('m.role')
    .where('d.id', '=', datasetId)
    .where('m.user_id', '=', userId)
    .where('m.role', '=', 'admin')
    .executeTakeFirst();
  return Boolean(row);
}

async function lockPublished(trx: DB, userId: string, datasetId: string) {
  const d = await trx
    .selectFrom('dataset')
    .select(['id', 'state', 'archived_at', 'organization_id'])
    .where('id', '=', datasetId)
    .forUpdate()
    .executeTakeFirst();
  if (!d || d.state !== 'published') throw new UpkeepError('not_found', 'dataset not found');
  if (!(await canManageDataset(trx, userId, datasetId))) throw new UpkeepError('forbidden', 'only the publisher’s admins may do this');
  return d;
}

export async function archiveDataset(db: DB, userId: string, datasetId: string, reason: string): Promise<void> {
  const why = reason.trim().slice(0, 1000);
  if (why.length < 3) throw new UpkeepError('reason_required', 'say why the dataset is archived');
  await db.transaction().execute(async (trx) => {
    const d = await lockPublished(trx, userId, datasetId);
    if (d.archived_at) throw new UpkeepError('already_archived', 'already archived');
    await trx
      .updateTable('dataset')
      .set({ archived_at: sql`now()`, archive_reason: why, archived_by: userId })
      .where('id', '=', datasetId)
      .execute();
    await appendAuditLog(trx, { actorId: userId, action: 'dataset.archive', targetType: 'dataset', targetId: datasetId, details: { reason: why } });
  });
}

export async function restoreDataset(db: DB, userId: string, datasetId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const d = await lockPublished(trx, userId, datasetId);
    if (!d.archived_at) throw new UpkeepError('not_archived', 'not archived');
    await trx.updateTable('dataset').set({ archived_at: null, archive_reason: null, archived_by: null }).where('id', '=', datasetId).execute();
    await appendAuditLog(trx, { actorId: userId, action: 'dataset.restore', targetType: 'dataset', targetId: datasetId });
  });
}
