// The queue's pieces on their own: URL filters that never throw, CSV parsing, the metadata
// diff, claiming a chosen item (scope, conflict, four-eyes), and the queue and its counts
// on 5 000 waiting items (timed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimContribution, listQueue, metadataDiff, parseCsv, parseQueueFilters, queueCounts } from '../../app/domain/moderation/queue.server';
import { bulkSubmitted, makeModerator } from '../moderation/helpers';
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
  it('claims a chosen item once, and lists 5 000 waiting items with counts quickly', async () => {
    const ids = await bulkSubmitted(t.db, 5000);
    const a = await makeModerator(t.db);
    const b = await makeModerator(t.db);
    const villeurbanne = await makeModerator(t.db, [{ kind: 'territory', code: '69266' }]);
    await claimContribution(t.db, a, ids[10]!);
    await expect(claimContribution(t.db, b, ids[10]!)).rejects.toMatchObject({ code: 'not_holder' });
    await expect(claimContribution(t.db, villeurbanne, ids[11]!)).rejects.toMatchObject({ code: 'out_of_scope' });

    const started = performance.now();
    const { items } = await listQueue(t.db, b, parseQueueFilters(new URLSearchParams()));
    const counts = await queueCounts(t.db, b);
    const ms = performance.now() - started;
    console.log(`queue of 5000 waiting items: list (first 500) + counts in ${ms.toFixed(0)} ms`);
    expect(items).toHaveLength(500);
    expect(items[0]!.id).toBe(ids[0]);
    const held = items.find((i) => i.id === ids[10])!;
    expect(held).toMatchObject({ state: 'in_review', claimedByMe: false });
    expect(held.claimedBy).not.toBeNull();
    expect(counts).toMatchObject({ submitted: 4999, in_review: 1, mine: 0 });
    expect(ms).toBeLessThan(3000);
  });
});
