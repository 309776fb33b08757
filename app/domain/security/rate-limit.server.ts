// Rate limits whose counters live in PostgreSQL, so that several instances share them.
// A fixed window per key, counted with one atomic upsert.
import { sql } from 'kysely';
import type { DB } from '#db/client';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  /** Seconds until the window resets (for Retry-After). */
  retryAfter: number;
}

export async function consumeRateLimit(db: DB, key: string, rule: RateLimitRule): Promise<RateLimitResult> {
  const row = await sql<{ hits: number; window_start: Date; now: Date }>`
    insert into rate_limit as r (key, window_start, hits) values (${key}, now(), 1)
    on conflict (key) do update set
      hits = case when r.window_start <= now() - make_interval(secs => ${rule.windowSeconds}) then 1 else r.hits + 1 end,
      window_start = case when r.window_start <= now() - make_interval(secs => ${rule.windowSeconds}) then now() else r.window_start end
    returning hits, window_start, now() as now`.execute(db);
  const r = row.rows[0]!;
  const elapsed = (r.now.getTime() - r.window_start.getTime()) / 1000;
  return {
    allowed: r.hits <= rule.limit,
    hits: r.hits,
    retryAfter: Math.max(1, Math.ceil(rule.windowSeconds - elapsed)),
  };
}

/** Forget a key's counter (e.g. after a successful sign-in). */
export async function resetRateLimit(db: DB, key: string): Promise<void> {
  await db.deleteFrom('rate_limit').where('key', '=', key).execute();
}

/** Old windows are useless; a periodic job removes them. */
export async function pruneRateLimits(db: DB, olderThanSeconds = 86_400): Promise<number> {
  const res = await db
    .deleteFrom('rate_limit')
    .where('window_start', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
