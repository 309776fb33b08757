// The demo seed puts citizen observations on the public map: a couple of hundred published
// ones by the demo accounts, over the communes (each point inside its commune), the ten
// categories and the last eighteen months, some resolved, some confirmed, a few waiting for
// moderation; the map API and the cell counts show them; the open-data job then gives the
// catalogue its datasets; a second seed adds nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData, seedReferenceData } from '../../db/seed';
import { exportChangedObservations } from '../../app/domain/observations/open-data.server';
import { listObservations } from '../../app/domain/observations/observations.server';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';
import { communeAt } from '../../app/domain/territories/territories.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';

let t: TestDatabase;
let server: TestServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'td-obs-demo-'));
const storage = new DirectoryStorage(dir);
const METROPOLE_BOX = '4.68,45.55,5.07,45.95';

/** Everything the seed writes, counted (a second seed must leave every number as it is). */
async function counts() {
  const n = async (
    table:
      | 'observation'
      | 'confirmation'
      | 'reputation_entry'
      | 'moderation_event'
      | 'users'
      | 'contribution'
      | 'upload'
      | 'notification'
      | 'review_task',
  ) =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const cells = await sql<{
    n: number;
  }>`select coalesce(sum(n), 0)::int as n from observation_cell where zoom = 8`.execute(t.db);
  return {
    observations: await n('observation'),
    confirmations: await n('confirmation'),
    ledger: await n('reputation_entry'),
    events: await n('moderation_event'),
    users: await n('users'),
    contributions: await n('contribution'),
    uploads: await n('upload'),
    notifications: await n('notification'),
    reviewTasks: await n('review_task'),
    cells: cells.rows[0]!.n,
  };
}

const observations = () =>
  t.db
    .selectFrom('observation as o')
    .innerJoin('contribution as c', 'c.id', 'o.id')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .select([
      'o.id',
      'o.lon',
      'o.lat',
      'o.commune_code',
      'o.category',
      'o.description',
      'o.observed_at',
      'o.published_at',
      'o.resolved_at',
      'o.listed',
      'o.grade',
      'o.photo_state',
      'c.state',
      'u.email',
      'u.is_demo',
    ])
    .execute();

let first: Awaited<ReturnType<typeof counts>>;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedReferenceData(t.db);
  await seedDemoData(t.db, { storage });
  first = await counts();
  server = await startTestServer({ db: t.db, pool: t.pool, env: { UPLOADS_DIR: dir } });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo observations', () => {
  it('a couple of hundred published by the demo accounts, each inside its commune, over the categories, communes and 18 months', async () => {
    const rows = await observations();
    const published = rows.filter((r) => r.state === 'published');
    expect(published.length).toBeGreaterThanOrEqual(150);
    expect(published.length).toBeLessThanOrEqual(300);
    expect(rows.every((r) => r.is_demo && r.email.endsWith('@demo.terridata.fr'))).toBe(true);
    expect(published.some((r) => r.email === 'citoyen@demo.terridata.fr')).toBe(true);
    // listed mirrors "published", for every one of them.
    expect(rows.every((r) => r.listed === (r.state === 'published'))).toBe(true);
    for (const r of rows) expect(communeAt(r.lon, r.lat)?.code).toBe(r.commune_code);
    expect(new Set(published.map((r) => r.category)).size).toBe(10);
    expect(new Set(published.map((r) => r.commune_code)).size).toBeGreaterThanOrEqual(25);
    const ages = published.map((r) => (Date.now() - r.observed_at.getTime()) / 86_400_000);
    expect(Math.min(...ages)).toBeGreaterThan(0);
    expect(Math.max(...ages)).toBeGreaterThan(400);
    expect(Math.max(...ages)).toBeLessThan(560);
    // Published a little after being seen, resolved after that; never in the future.
    for (const r of published) {
      expect(r.published_at!.getTime()).toBeGreaterThanOrEqual(r.observed_at.getTime());
      expect(r.published_at!.getTime()).toBeLessThan(Date.now());
      if (r.resolved_at) expect(r.resolved_at.getTime()).toBeGreaterThan(r.published_at!.getTime());
    }
    const resolved = published.filter((r) => r.resolved_at).length;
    expect(resolved / published.length).toBeGreaterThan(0.15);
    expect(resolved / published.length).toBeLessThan(0.6);
    expect(published.some((r) => r.grade === 'confirmed')).toBe(true);
    // Natural, varied descriptions (not one text repeated).
    expect(new Set(rows.map((r) => r.description)).size).toBeGreaterThan(rows.length * 0.7);
    expect(published.filter((r) => r.photo_state === 'ready').length).toBeGreaterThan(0);
  });

  it('a few wait for moderation: the queue and the demo citizen’s "to confirm" list have some', async () => {
    const rows = await observations();
    const waiting = rows.filter((r) => r.state === 'submitted');
    expect(waiting.length).toBeGreaterThanOrEqual(5);
    expect(waiting.length).toBeLessThanOrEqual(20);
    expect(rows.filter((r) => r.state === 'rejected').length).toBeGreaterThan(0);
    const citizen = await t.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'citoyen@demo.terridata.fr')
      .executeTakeFirstOrThrow();
    const toConfirm = await listObservations(t.db, { viewerId: citizen.id, awaiting: true });
    expect(toConfirm.length).toBe(waiting.length);
    // Confirmations and ledger credits came through the domain (no mutual-confirmation flag).
    expect(first.confirmations).toBeGreaterThan(30);
    // Every confirmation counts (no "3 confirmations" on a page still "to confirm").
    expect(
      await t.db.selectFrom('confirmation').select('user_id').where('weight', '=', 0).execute(),
    ).toEqual([]);
    const flags = await t.db.selectFrom('reputation_flag').select('id').execute();
    expect(flags).toEqual([]);
    const credits = await t.db
      .selectFrom('reputation_entry')
      .select('id')
      .where('reason', '=', 'observation_published')
      .where('ref_type', '=', 'contribution')
      .execute();
    expect(credits.length).toBe(rows.filter((r) => r.state === 'published').length);
  });

  it('the map API shows them (clusters that add up, the list view newest first), over HTTP', async () => {
    const listed = (await observations()).filter((r) => r.listed);
    const clusters = (await (
      await fetch(`${server.url}/api/v1/observations?bbox=${METROPOLE_BOX}&zoom=11`)
    ).json()) as { mode: string; total: number; features: { properties: { count: number } }[] };
    expect(clusters.mode).toBe('clusters');
    expect(clusters.total).toBe(listed.length);
    expect(clusters.features.length).toBeGreaterThan(10);
    expect(clusters.features.reduce((s, f) => s + f.properties.count, 0)).toBe(listed.length);
    const list = (await (
      await fetch(`${server.url}/api/v1/observations?bbox=${METROPOLE_BOX}&zoom=11&view=list`)
    ).json()) as { features: { properties: { id: string; observedAt: string } }[] };
    const newest = [...listed]
      .sort((a, b) => b.observed_at.getTime() - a.observed_at.getTime())
      .slice(0, list.features.length);
    expect(list.features.map((f) => f.properties.id)).toEqual(newest.map((r) => r.id));
    const one = (await (
      await fetch(`${server.url}/api/v1/observations/${newest[0]!.id}`)
    ).json()) as { description: string };
    expect(one.description).toBe(newest[0]!.description);
    // The page renders the newest ones of its view on the server too (the list view).
    const page = await (await fetch(`${server.url}/observations?vue=liste`)).text();
    const shown = [...page.matchAll(/data-observation-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThanOrEqual(10);
    const ids = new Set(listed.map((r) => r.id));
    expect(shown.every((id) => ids.has(id!))).toBe(true);
  });

  it('the cell counts hold every published observation, per category', async () => {
    const listed = (await observations()).filter((r) => r.listed);
    const cells = await sql<{
      category: string;
      n: number;
    }>`select category, sum(n)::int as n from observation_cell where zoom = 8 group by category`.execute(
      t.db,
    );
    const expected = new Map<string, number>();
    for (const r of listed) expected.set(r.category, (expected.get(r.category) ?? 0) + 1);
    expect(new Map(cells.rows.filter((c) => c.n > 0).map((c) => [c.category, c.n]))).toEqual(
      expected,
    );
  });

  it('seeding again adds nothing', async () => {
    await seedDemoData(t.db, { storage });
    expect(await counts()).toEqual(first);
  }, 120_000);

  it('the open-data job then gives the catalogue one dataset per category, with every published observation', async () => {
    const done = await exportChangedObservations(t.db, { storage, origin: server.url });
    expect(done.length).toBe(10);
    const listed = (await observations()).filter((r) => r.listed);
    for (const d of done)
      expect(d.rows).toBe(listed.filter((r) => r.category === d.category).length);
    const catalogue = await (
      await fetch(`${server.url}/datasets?q=observations+citoyennes`)
    ).text();
    expect(catalogue).toContain('Observations citoyennes — Voirie');
    expect(catalogue).toContain('Observations citoyennes — Qualité de l’air');
  });
});
