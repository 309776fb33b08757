// The PostgreSQL advisory-lock locker, as two server processes sharing one upload store see
// it: one holder per upload across processes, a waiting request asks the holder to let go,
// a dead holder's lock goes with its connection. Then two real servers on one store.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ERRORS } from '@tus/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLocker } from '../../server/uploads/pg-locker';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import { createUpload, headUpload, patchUpload } from './helpers';

let tdb: TestDatabase;
let a: PostgresLocker;
let b: PostgresLocker;

beforeAll(async () => {
  tdb = await createTestDatabase();
  a = new PostgresLocker({ connection: { connectionString: tdb.url } });
  b = new PostgresLocker({ connection: { connectionString: tdb.url }, acquireTimeoutMs: 2_000 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await tdb?.close();
});

const never = new AbortController().signal;

describe('PostgresLocker', () => {
  it('lets one holder at a time have an upload, and asks the holder to release it', async () => {
    const held = a.newLock('upload-1');
    let asked = 0;
    await held.lock(never, async () => {
      asked++;
      await held.unlock(); // as tus does: the holder ends its request and lets go
    });
    const other = b.newLock('upload-1');
    const t0 = Date.now();
    await other.lock(never, () => {});
    expect(asked).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1_500);
    // Another upload is not blocked by it.
    const unrelated = a.newLock('upload-2');
    await unrelated.lock(never, () => {});
    await unrelated.unlock();
    await other.unlock();
  });

  it('times out when the holder does not let go', async () => {
    const held = a.newLock('upload-3');
    await held.lock(never, () => {});
    await expect(b.newLock('upload-3').lock(never, () => {})).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    await held.unlock();
    const again = b.newLock('upload-3');
    await again.lock(never, () => {});
    await again.unlock();
  });

  it("frees a dead holder's lock with its connection", async () => {
    const held = a.newLock('upload-4');
    await held.lock(never, () => {});
    // The holder's process dies: PostgreSQL ends its session.
    await tdb.pool.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen tus_release_%'",
    );
    const other = b.newLock('upload-4');
    await other.lock(never, () => {});
    await other.unlock();
    await held.unlock(); // harmless: the connection is gone
  });
});

describe('PostgresLocker with every lock connection busy', () => {
  it('answers a lock timeout instead of waiting for ever', async () => {
    const small = new PostgresLocker({
      connection: { connectionString: tdb.url },
      maxConnections: 1,
      acquireTimeoutMs: 500,
    });
    try {
      const held = small.newLock('busy-1');
      await held.lock(never, () => {});
      await expect(small.newLock('busy-2').lock(never, () => {})).rejects.toBe(
        ERRORS.ERR_LOCK_TIMEOUT,
      );
      await held.unlock();
      const next = small.newLock('busy-2');
      await next.lock(never, () => {});
      await next.unlock();
    } finally {
      await small.close();
    }
  });
});

describe('two servers sharing one upload store', () => {
  it('a HEAD on one server makes the other end a stalled PATCH; the upload then resumes from the bytes stored', async () => {
    const uploadsDir = mkdtempSync(path.join(os.tmpdir(), 'td-shared-'));
    const env = { UPLOADS_DIR: uploadsDir };
    const one = await startTestServer({ db: tdb.db, pool: tdb.pool, env });
    const two = await startTestServer({ db: tdb.db, pool: tdb.pool, env });
    try {
      const u = await createUserWithSession(tdb.db);
      const c = await createUpload(one.url, {
        cookie: u.cookie,
        origin: one.url,
        length: 20,
        metadata: { filename: 's.csv', purpose: 'dataset' },
      });
      // A client sends 8 bytes to server one, then stalls (a half-open connection).
      let stall!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          stall = controller;
          controller.enqueue(new Uint8Array(8).fill(65));
        },
      });
      const stalled = patchUpload(c.url!, {
        cookie: u.cookie,
        origin: one.url,
        offset: 0,
        body,
      }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 300));
      // The client comes back through server two: HEAD waits for the lock, gets it, sees 8 bytes.
      const urlOnTwo = c.url!.replace(one.url, two.url);
      const head = await headUpload(urlOnTwo, { cookie: u.cookie, origin: two.url });
      expect(head.status).toBe(200);
      expect(head.headers.get('upload-offset')).toBe('8');
      const rest = await patchUpload(urlOnTwo, {
        cookie: u.cookie,
        origin: two.url,
        offset: 8,
        body: new Uint8Array(12).fill(66),
      });
      expect(rest.res.status).toBe(204);
      expect(rest.res.headers.get('upload-offset')).toBe('20');
      try {
        stall.close();
      } catch {
        /* already cancelled */
      }
      await stalled;
    } finally {
      await one.close();
      await two.close();
      rmSync(uploadsDir, { recursive: true, force: true });
    }
  });
});
