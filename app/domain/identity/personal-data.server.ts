// Personal-data rights (RGPD): one registry of every table holding personal data. Each
// feature registers its tables with how to export a user's rows, how to erase them when the
// account is deleted, and how long rows are kept (a daily job purges older ones).
//
// To add a feature's tables: call `registerPersonalData` in a module of your area and add
// one import line for that module in `personal-data.features.server.ts`.
import { sql } from 'kysely';
import type { DB } from '#db/client';

export interface PersonalDataRegistration {
  /** Key of this part in the export (usually the table name). */
  name: string;
  table: string;
  export(db: DB, userId: string): Promise<unknown>;
  /** Erases or anonymises the user's rows, in the deletion transaction. */
  erase(trx: DB, userId: string): Promise<void>;
  /** Rows older than this are deleted by the retention job. */
  retentionDays?: number;
  /** The timestamp the retention period counts from (default created_at). */
  retentionColumn?: string;
  /** A custom purge (instead of deleting rows older than retentionDays). */
  purge?(db: DB, now: Date): Promise<number>;
  /** Erasure order: lower first (the account row itself goes last). */
  order?: number;
}

// Kept on globalThis so that registering from any module, in any import order, works.
const KEY = Symbol.for('terridata.personalDataRegistry');
function registry(): Map<string, PersonalDataRegistration> {
  const g = globalThis as unknown as Record<
    symbol,
    Map<string, PersonalDataRegistration> | undefined
  >;
  return (g[KEY] ??= new Map());
}

export function registerPersonalData(r: PersonalDataRegistration): void {
  registry().set(r.name, r);
}

export function personalDataRegistrations(): PersonalDataRegistration[] {
  return [...registry().values()].sort(
    (a, b) => (a.order ?? 0) - (b.order ?? 0) || a.name.localeCompare(b.name),
  );
}

export interface PersonalDataExport {
  format: 'terridata-personal-data';
  version: 1;
  exportedAt: string;
  userId: string;
  data: Record<string, unknown>;
}

export async function exportPersonalData(db: DB, userId: string): Promise<PersonalDataExport> {
  const data: Record<string, unknown> = {};
  for (const r of personalDataRegistrations()) data[r.name] = await r.export(db, userId);
  return {
    format: 'terridata-personal-data',
    version: 1,
    exportedAt: new Date().toISOString(),
    userId,
    data,
  };
}

/** Deletes an account: every registered part is erased in one transaction. */
export async function deleteAccount(db: DB, userId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const r of personalDataRegistrations()) await r.erase(trx, userId);
  });
}

/** Purges what is past its retention period; returns the number of rows per part. */
export async function enforceRetention(db: DB, now = new Date()): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const r of personalDataRegistrations()) {
    if (r.purge) {
      result[r.name] = await r.purge(db, now);
    } else if (r.retentionDays !== undefined) {
      const cutoff = new Date(now.getTime() - r.retentionDays * 86_400_000);
      const res =
        await sql`delete from ${sql.table(r.table)} where ${sql.ref(r.retentionColumn ?? 'created_at')} < ${cutoff}`.execute(
          db,
        );
      result[r.name] = Number(res.numAffectedRows ?? 0);
    }
  }
  return result;
}
