// The queue's pieces on their own: URL filters that never throw, CSV parsing, the metadata
// diff, claiming a chosen item (scope, conflict, four-eyes), the queue's keyset pages and its
// counts on 5 000 waiting items (timed), and the overdue filter done by the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../app/domain/catalogue/file-preview.server';
import { claimContribution, listQueue, metadataDiff, parseQueueFilters, queueCounts } from '../../app/domain/moderation/queue.server';
import { workingDaysBetween } from '../../app/domain/moderation/holidays';
import { bulkSubmitted, makeModerator } from '../moderation/helpers';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('queue helpers', () => {
  it('reads filters from the URL, falling back on anything unknown', () => {
    expect(parseQueueFilters(new URLSearchParams('state=second_review&kind=observation&commune=69266&personalData=yes&age=overdue'))).toEqual({
      state: 'second_review',
      kind: 'observation',
      commune: '69266',
      personalData: 'yes',
      age: 'overdue',
    });
    expect(parseQueueFilters(new URLSearchParams("state=drop table&kind=<x>&commune=';--&theme=Ab C"))).toEqual({ state: 'waiting' });
  });

  it('parses quoted CSV fields and keeps markup as plain strings', () => {
    expect(parseCsv('a;b\n"x;1";"il dit ""oui"""\r\n<b>;2\n', ';', 10)).toEqual([
      ['a', 'b'],
      ['x;1', 'il dit "oui"'],
      ['<b>', '2'],
    ]);
    expect(parseCsv('a\n1\n2\n3\n', ',', 2)).toHaveLength(2);
  });

  it('lists changed metadata fields only', () => {
    expect(metadataDiff({ title: 'A', themes: ['x'], licence: 'lo-2.0', rightsStatement: true }, { title: 'B', themes: ['x', 'y'], licence: 'lo-2.0' })).toEqual([
      { field: 'title', before: 'A', after: 'B' },
      { field: 'themes', before: 'x', after: 'x, y' },
    ]);
  });
});

describe('queue on many items', () => {
  it('claims a chosen item once, and pages through 5 000 waiting items by keyset with the total on every page', async () => {
    const ids = await bulkSubmitted(t.db, 5000);
    const a = await makeModerator(t.db);
    const b = await makeModerator(t.db);
    const villeurbanne = await makeModerator(t.db, [{ kind: 'territory', code: '69266' }]);
    await claimContribution(t.db, a, ids[10]!);
    await expect(claimContribution(t.db, b, ids[10]!)).rejects.toMatchObject({ code: 'not_holder' });
    await expect(claimContribution(t.db, villeurbanne, ids[11]!)).rejects.toMatchObject({ code: 'out_of_scope' });

    let started = performance.now();
    const first = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams()));
    const counts = await queueCounts(t.db, b);
    const firstMs = performance.now() - started;
    expect(first.items).toHaveLength(100);
    expect(first).toMatchObject({ total: 5000, from: 1, prev: null, next: ids[99] });
    expect(first.items[0]!.id).toBe(ids[0]);
    const held = first.items.find((i) => i.id === ids[10])!;
    expect(held).toMatchObject({ state: 'in_review', claimedByMe: false });
    expect(held.claimedBy).not.toBeNull();
    expect(counts).toMatchObject({ submitted: 4999, in_review: 1, mine: 0 });

    // Following "next" visits every item once, in queue order, past the old 500-item stop.
    const seen: string[] = [];
    let page = first;
    let pages = 1;
    seen.push(...page.items.map((i) => i.id));
    let lastMs = 0;
    while (page.next) {
      started = performance.now();
      page = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams({ after: page.next })));
      lastMs = performance.now() - started;
      expect(page.total).toBe(5000);
      expect(page.from).toBe(seen.length + 1);
      seen.push(...page.items.map((i) => i.id));
      pages++;
    }
    expect(pages).toBe(50);
    expect(seen).toEqual(ids);
    console.log(`queue of 5000 waiting items: first page + counts ${firstMs.toFixed(0)} ms; page 50 alone ${lastMs.toFixed(0)} ms`);
    expect(firstMs).toBeLessThan(3000);

    // "Previous" from page 3 is page 2; from page 2, page 1 (which has no previous).
    const third = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams({ after: ids[199]! })));
    expect(third).toMatchObject({ from: 201, prev: ids[200], next: ids[299] });
    const second = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams({ before: third.prev! })));
    expect(second.items.map((i) => i.id)).toEqual(ids.slice(100, 200));
    expect(second).toMatchObject({ from: 101, prev: ids[100], next: ids[199] });
    const back = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams({ before: second.prev! })));
    expect(back.items.map((i) => i.id)).toEqual(ids.slice(0, 100));
    expect(back).toMatchObject({ from: 1, prev: null });

    // An item decided meanwhile does not shift the next page; an unknown cursor starts over.
    await t.db.updateTable('contribution').set({ state: 'withdrawn' }).where('id', '=', ids[150]!).execute();
    const shifted = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams({ after: ids[99]! })));
    expect(shifted.items[0]!.id).toBe(ids[100]);
    expect(shifted.items.map((i) => i.id)).not.toContain(ids[150]);
    expect(shifted.next).toBe(ids[200]);
    const unknown = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams({ after: '00000000-0000-0000-0000-000000000001' })));
    expect(unknown.items[0]!.id).toBe(ids[0]);
    // Garbage cursors are ignored like any unknown filter value.
    expect(parseQueueFilters(new URLSearchParams('after=1%20or%201=1&before=<x>'))).toEqual({ state: 'waiting' });
  });

  it('filters overdue items in the database, in working days, across pages', async () => {
    const mod = await makeModerator(t.db, [{ kind: 'theme', code: 'culture' }]);
    const { user } = await createUserWithSession(t.db);
    // Friday 2026-05-01 (Labour Day) … : ages straddling a public holiday and a weekend.
    const now = new Date('2026-05-11T10:00:00+02:00'); // Monday
    const days = ['2026-04-27', '2026-04-29', '2026-04-30', '2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08', '2026-05-11'];
    const rows = await t.db
      .insertInto('contribution')
      .values(days.map((d, i) => ({ kind: 'new_dataset', submitter_id: user.id, state: 'submitted', title: `Âge ${d}`, communes: ['69123'], themes: ['culture'], submitted_at: new Date(`${d}T${String(8 + i).padStart(2, '0')}:00:00+02:00`) })))
      .returning(['id', 'submitted_at'])
      .execute();
    for (const overdueAfter of [1, 3, 5]) {
      const expected = rows.filter((r) => workingDaysBetween(r.submitted_at!, now) > overdueAfter).map((r) => r.id);
      const got: string[] = [];
      let cursor: string | null = null;
      do {
        const params: URLSearchParams = new URLSearchParams({ age: 'overdue', theme: 'culture', ...(cursor ? { after: cursor } : {}) });
        const page = await listQueue(t.db, mod, parseQueueFilters(params), { now, overdueAfter, pageSize: 2 });
        expect(page.total).toBe(expected.length);
        expect(page.items.every((i) => i.age === 'overdue')).toBe(true);
        got.push(...page.items.map((i) => i.id));
        cursor = page.next;
      } while (cursor);
      expect(got, `overdue after ${overdueAfter}`).toEqual(expected);
    }
  });

  it('pages review tasks too, with the items’ filters applied to the reviewed contribution', async () => {
    const mod = await makeModerator(t.db, [{ kind: 'theme', code: 'sport' }]);
    const { user } = await createUserWithSession(t.db);
    const contributions = await t.db
      .insertInto('contribution')
      .values(
        Array.from({ length: 5 }, (_, i) => ({
          kind: i < 3 ? 'observation' : 'new_dataset',
          submitter_id: user.id,
          state: 'published',
          title: `Publié ${i}`,
          communes: ['69123'],
          themes: ['sport'],
          personal_data: i === 4,
          submitted_at: new Date(),
        })),
      )
      .returning('id')
      .execute();
    const tasks = await t.db
      .insertInto('review_task')
      .values(contributions.map((c, i) => ({ contribution_id: c.id, kind: i % 2 ? 'report' : 'audit', created_at: new Date(Date.UTC(2026, 10, 2 + i)) })))
      .returning('id')
      .execute();
    const page = (q: string) => listQueue(t.db, mod, parseQueueFilters(new URLSearchParams(q)), { pageSize: 2 });
    const first = await page('state=tasks&theme=sport');
    expect(first.tasks.map((x) => x.id)).toEqual([tasks[0]!.id, tasks[1]!.id]);
    expect(first).toMatchObject({ total: 5, from: 1, next: tasks[1]!.id, prev: null });
    const third = await page(`state=tasks&theme=sport&after=${tasks[3]!.id}`);
    expect(third.tasks.map((x) => x.id)).toEqual([tasks[4]!.id]);
    expect(third).toMatchObject({ from: 5, next: null, prev: tasks[4]!.id });
    expect((await page('state=tasks&theme=sport&kind=observation')).total).toBe(3);
    expect((await page('state=tasks&theme=sport&kind=dataset&personalData=yes')).tasks.map((x) => x.id)).toEqual([tasks[4]!.id]);
    expect((await page('state=report&theme=sport')).total).toBe(2);
  });
});
