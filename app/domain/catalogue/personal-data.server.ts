// The catalogue in the personal-data registry: `download_day`, the rows that count a
// download once per client and day. A row holds a keyed hash of the client's address and
// user agent for that day (never the address itself, never an account): it cannot be tied
// to a user, so there is nothing to export or erase per account, but it is pseudonymous
// data and is kept two days only (yesterday's rows are still needed across midnight).
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { registerPersonalData } from '../identity/personal-data.server';

/** Days a `download_day` row is kept: today's and yesterday's (UTC, as counted). */
export const DOWNLOAD_DAY_RETENTION_DAYS = 2;

/** Deletes the rows of days before yesterday (UTC); returns how many went. */
export async function purgeDownloadDays(db: DB, now = new Date()): Promise<number> {
  const oldestKept = new Date(now.getTime() - (DOWNLOAD_DAY_RETENTION_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const res = await db.deleteFrom('download_day').where('day', '<', sql<Date>`${oldestKept}::date`).executeTakeFirst();
  return Number(res.numDeletedRows);
}

registerPersonalData({
  name: 'download_day',
  table: 'download_day',
  retentionDays: DOWNLOAD_DAY_RETENTION_DAYS,
  retentionColumn: 'day',
  export: async () => ({
    rows: [],
    note: 'Downloads are counted with a daily keyed hash of the address and browser, never linked to an account, deleted after two days.',
  }),
  erase: async () => {},
  purge: (db, now) => purgeDownloadDays(db, now),
});
