import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// /catalog (DCAT-AP) pages by keyset in creation order: `(created_at, id) > cursor` over
// listed datasets, read from this index instead of sorting the catalogue at every page.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index dataset_listed_created_idx on dataset (created_at, id) where listed`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists dataset_listed_created_idx`.execute(db);
}
