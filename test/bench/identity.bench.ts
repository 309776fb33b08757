// `npm run bench:identity`: the costs the identity area adds to requests: argon2id hashing
// and verification (sign-up, sign-in), the session lookup every page does, and communeAt
// (point in polygon over the 58 communes), each next to a baseline from the same run.
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { hashPassword, verifyPassword } from '../../app/domain/identity/passwords.server';
import { findSessionUser } from '../../app/domain/identity/session.server';
import { communeAt, communes } from '../../app/domain/territories/territories.server';
import { createDb, withDatabase } from '../../db/client';
import { migrateToLatest } from '../../db/migrate';
import pg from 'pg';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function timeEach(
  n: number,
  fn: (i: number) => Promise<unknown> | unknown,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function main() {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  // argon2id
  const hashes = await timeEach(20, () => hashPassword('une phrase de passe assez longue'));
  const stored = await hashPassword('une phrase de passe assez longue');
  const verifies = await timeEach(20, () =>
    verifyPassword(stored, 'une phrase de passe assez longue'),
  );
  const sha = await timeEach(20, () =>
    createHash('sha256').update('une phrase de passe assez longue').digest('hex'),
  );
  console.log(
    `argon2id hash: p50 ${ms(pct(hashes, 50))}, p95 ${ms(pct(hashes, 95))}; verify p50 ${ms(pct(verifies, 50))} (sha256 baseline p50 ${ms(pct(sha, 50))})`,
  );

  // communeAt
  const [x0, y0, x1, y1] = communes().reduce(
    ([a, b, c, d], k) => [
      Math.min(a, k.bbox[0]),
      Math.min(b, k.bbox[1]),
      Math.max(c, k.bbox[2]),
      Math.max(d, k.bbox[3]),
    ],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  const N = 200_000;
  const pts = Array.from(
    { length: N },
    () => [x0 + Math.random() * (x1 - x0), y0 + Math.random() * (y1 - y0)] as const,
  );
  let t0 = performance.now();
  let inside = 0;
  for (const [x, y] of pts) if (communeAt(x, y)) inside++;
  const pip = performance.now() - t0;
  t0 = performance.now();
  let inBox = 0;
  for (const [x, y] of pts)
    for (const c of communes())
      if (x >= c.bbox[0] && x <= c.bbox[2] && y >= c.bbox[1] && y <= c.bbox[3]) {
        inBox++;
        break;
      }
  const boxOnly = performance.now() - t0;
  console.log(
    `communeAt: ${N} random points in the Métropole's bbox in ${pip.toFixed(0)} ms = ${((pip * 1000) / N).toFixed(1)} µs/point (${inside} inside a commune); bbox-only scan baseline ${((boxOnly * 1000) / N).toFixed(1)} µs/point (${inBox} in some bbox)`,
  );

  // Session lookup (every page): scratch database with 10 000 users and 50 000 sessions.
  const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `td_bench_identity_${process.pid}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  const { db, pool } = createDb(withDatabase(admin, name), 4);
  try {
    await migrateToLatest(pool);
    await pool.query(
      `insert into users (email, pseudonym) select 'u' || g || '@x.test', 'u' || g from generate_series(1, 10000) g`,
    );
    await pool.query(`insert into sessions (id_hash, user_id, expires_at)
      select encode(sha256(('s' || g)::bytea), 'hex'), (select id from users offset (g % 10000) limit 1), now() + interval '30 days'
      from generate_series(1, 50000) g`);
    await pool.query('analyze');
    const ids = Array.from({ length: 2000 }, () =>
      createHash('sha256')
        .update(`s${1 + Math.floor(Math.random() * 50000)}`)
        .digest('hex'),
    );
    const lookups = await timeEach(ids.length, (i) => findSessionUser(db, ids[i]!));
    const baseline = await timeEach(ids.length, (i) =>
      pool.query('select 1 from sessions where id_hash = $1', [ids[i]]),
    );
    console.log(
      `session lookup (join users, 50 000 sessions): p50 ${ms(pct(lookups, 50))}, p95 ${ms(pct(lookups, 95))}; primary-key select baseline p50 ${ms(pct(baseline, 50))}, p95 ${ms(pct(baseline, 95))}`,
    );
  } finally {
    await db.destroy();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
