import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codegenArgs, generatedTypesFile } from '../../db/codegen';
import { pendingMigrations } from '../../db/migrate';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('database schema', () => {
  it('is fully migrated in the test template', async () => {
    expect(await pendingMigrations(t.pool)).toEqual([]);
  });

  it('matches the committed Database types (db/types.generated.ts is fresh: run `npm run db:codegen`)', async () => {
    const bin = path.resolve('node_modules/.bin/kysely-codegen');
    const result = await promisify(execFile)(bin, codegenArgs(t.url, generatedTypesFile, true)).then(
      () => 'fresh',
      (e: Error & { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    expect(result).toBe('fresh');
  });

  it('has the extensions every feature relies on', async () => {
    const { rows } = await t.pool.query<{ extname: string }>('select extname from pg_extension');
    expect(rows.map((r) => r.extname)).toEqual(expect.arrayContaining(['unaccent', 'pg_trgm', 'pgcrypto']));
  });
});
