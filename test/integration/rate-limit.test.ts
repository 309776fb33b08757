import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { consumeRateLimit, resetRateLimit } from '../../app/domain/security/rate-limit.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('rate limits kept in PostgreSQL', () => {
  it('lets exactly `limit` requests through in a window, even when they race', async () => {
    const rule = { limit: 10, windowSeconds: 60 };
    const results = await Promise.all(Array.from({ length: 40 }, () => consumeRateLimit(t.db, 'race', rule)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    const refused = results.filter((r) => !r.allowed);
    expect(refused.every((r) => r.retryAfter > 0 && r.retryAfter <= 60)).toBe(true);
  });

  it('shares one counter between two instances (two separate connection pools)', async () => {
    const other = createDb(t.url, 2);
    try {
      const rule = { limit: 3, windowSeconds: 60 };
      expect((await consumeRateLimit(t.db, 'shared', rule)).allowed).toBe(true);
      expect((await consumeRateLimit(other.db, 'shared', rule)).allowed).toBe(true);
      expect((await consumeRateLimit(t.db, 'shared', rule)).allowed).toBe(true);
      expect((await consumeRateLimit(other.db, 'shared', rule)).allowed).toBe(false);
    } finally {
      await other.db.destroy();
    }
  });

  it('opens a new window once the old one has passed, and can be reset', async () => {
    const rule = { limit: 1, windowSeconds: 1 };
    expect((await consumeRateLimit(t.db, 'window', rule)).allowed).toBe(true);
    expect((await consumeRateLimit(t.db, 'window', rule)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await consumeRateLimit(t.db, 'window', rule)).allowed).toBe(true);
    await resetRateLimit(t.db, 'window');
    expect((await consumeRateLimit(t.db, 'window', rule)).allowed).toBe(true);
  });
});
