// The personal-data registry for reuse tracking: the download log of traceable data (who
// downloaded what, with which key, for what declared purpose) is exported with the account,
// anonymised on erasure (the publisher keeps the count, not the person) and kept a year;
// declared reuses are exported, and on erasure stay public without their author (like
// published contributions).
import { registerPersonalData } from '../identity/personal-data.server';
import { DOWNLOAD_LOG_RETENTION_DAYS } from './usage.server';

registerPersonalData({
  name: 'traceable_downloads',
  table: 'traceable_download',
  export: async (db, userId) =>
    db
      .selectFrom('traceable_download')
      .select([
        'dataset_id',
        'dataset_version_id',
        'distribution_id',
        'credential_id',
        'reuser_organization_id',
        'purpose',
        'via',
        'created_at',
        'last_at',
        'requests',
      ])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
  erase: async (trx, userId) => {
    await trx
      .updateTable('traceable_download')
      .set({ user_id: null, credential_id: null, purpose: null, client_key: null })
      .where('user_id', '=', userId)
      .execute();
  },
  retentionDays: DOWNLOAD_LOG_RETENTION_DAYS,
  order: -20,
});

registerPersonalData({
  name: 'reuses',
  table: 'reuse',
  export: async (db, userId) =>
    db
      .selectFrom('reuse')
      .select(['id', 'kind', 'title', 'url', 'description', 'created_at', 'hidden_at'])
      .where('author_id', '=', userId)
      .orderBy('created_at')
      .execute(),
  erase: async (trx, userId) => {
    await trx
      .updateTable('reuse')
      .set({ author_id: null })
      .where('author_id', '=', userId)
      .execute();
    await trx
      .updateTable('reuse')
      .set({ hidden_by: null })
      .where('hidden_by', '=', userId)
      .execute();
  },
  order: -10,
});
