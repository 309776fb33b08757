// The upload-info cache of the tus S3 store, in PostgreSQL (table tus_upload_cache), so that
// every instance sees the same uploads: the in-memory default would make an instance that
// did not create an upload fetch its info object again, and forget it on restart.
import { sql } from 'kysely';
import type { KvStore } from '@tus/utils';
import { Upload } from '@tus/utils';
import type { MetadataValue } from '@tus/s3-store';
import type { DB } from '#db/client';

export class PostgresKvStore implements KvStore<MetadataValue> {
  constructor(private readonly db: DB) {}

  async get(key: string): Promise<MetadataValue | undefined> {
    const row = await this.db
      .selectFrom('tus_upload_cache')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return undefined;
    const value = row.value as unknown as MetadataValue;
    // The store reads fields of `file` only, but keep it the class it was.
    return { ...value, file: new Upload(value.file) };
  }

  async set(key: string, value: MetadataValue): Promise<void> {
    const json = JSON.stringify(value);
    await this.db
      .insertInto('tus_upload_cache')
      .values({ key, value: json })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: sql`now()` }))
      .execute();
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('tus_upload_cache').where('key', '=', key).execute();
  }

  async list(): Promise<string[]> {
    const rows = await this.db.selectFrom('tus_upload_cache').select('key').execute();
    return rows.map((r) => r.key);
  }
}
