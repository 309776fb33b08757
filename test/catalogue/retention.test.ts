// The per-client daily download counting (`download_day`) is registered personal data: the
// retention job removes the days before yesterday, keeps today's and yesterday's (still
// needed to count once across midnight), and a user's export says what it is.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforceRetention, exportPersonalData, personalDataRegistrations } from '../../app/domain/identity/personal-data.features.server';
import { countDownload, findDownload } from '../../app/domain/catalogue/download.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { createUserWithSession } from '../support/auth';
import { prepareReferences } from '../contributions/helpers';
import { publishDataset } from './helpers';

let t: TestDatabase;
let distributionId: string;
let slug: string;
const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-catalogue-retention-'));
const dayOffset = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestDatabase();
  const refs = await prepareReferences(t.db);
  const p = await publishDataset(t.db, refs, uploadsDir, { draft: { title: 'Comptages vélo', description: 'Comptages des vélos.' } });
  slug = p.slug;
  distributionId = (
    await t.db
      .selectFrom('distribution as x')
      .innerJoin('dataset as d', 'd.current_version_id', 'x.dataset_version_id')
      .select('x.id')
      .where('d.id', '=', p.datasetId)
      .executeTakeFirstOrThrow()
  ).id;
}, 60_000);

afterAll(async () => {
  await t?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
});

describe('download_day in the personal-data registry', () => {
  it('is registered with a retention of two days', () => {
    const r = personalDataRegistrations().find((x) => x.table === 'download_day');
    expect(r).toBeDefined();
    expect(r!.retentionDays).toBe(2);
  });

  it('the retention job deletes the days before yesterday and keeps today and yesterday', async () => {
    const target = await findDownload(t.db, slug, distributionId);
    if (!target || target.state !== 'available') throw new Error('download not found');
    // Today's row through the real counting path; older days as the table would hold them.
    expect(await countDownload(t.db, target, { ip: '203.0.113.7', userAgent: 'retention-test', secret: 's' })).toBe(true);
    await t.db
      .insertInto('download_day')
      .values([
        { distribution_id: distributionId, day: dayOffset(1), client_hash: 'yesterday' },
        { distribution_id: distributionId, day: dayOffset(2), client_hash: 'two-days-ago' },
        { distribution_id: distributionId, day: dayOffset(40), client_hash: 'long-ago' },
      ])
      .execute();

    const purged = await enforceRetention(t.db);
    expect(purged.download_day).toBe(2);
    const left = await t.db.selectFrom('download_day').select('client_hash').where('distribution_id', '=', distributionId).execute();
    expect(left.map((r) => r.client_hash).sort()).toEqual(expect.arrayContaining(['yesterday']));
    expect(left).toHaveLength(2);
    expect(left.map((r) => r.client_hash)).not.toContain('two-days-ago');
    expect(left.map((r) => r.client_hash)).not.toContain('long-ago');

    // The same client is still counted once today after the purge.
    expect(await countDownload(t.db, target, { ip: '203.0.113.7', userAgent: 'retention-test', secret: 's' })).toBe(false);
  });

  it("a user's export explains that these rows are never linked to an account", async () => {
    const u = await createUserWithSession(t.db);
    const exported = await exportPersonalData(t.db, u.user.id);
    expect(exported.data.download_day).toMatchObject({ rows: [] });
    expect(JSON.stringify(exported.data.download_day)).toMatch(/never linked to an account/);
  });
});
