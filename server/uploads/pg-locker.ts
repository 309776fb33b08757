// A tus Locker on PostgreSQL advisory locks, so that several server processes sharing one
// upload store never write the same upload at once. Each held lock keeps its own
// connection (a session-level advisory lock goes away with its connection, so a killed
// process frees its locks at once). A request that finds the lock taken asks the holder to
// let go, as tus asks of lockers: it NOTIFYs a channel the holder LISTENs on while it holds
// the lock; the holder then ends its request (a half-open connection from a client that
// has since come back).
import { createHash } from 'node:crypto';
import { ERRORS } from '@tus/utils';
import type { Lock, Locker, RequestRelease } from '@tus/utils';
import pg from 'pg';

export interface PostgresLockerOptions {
  /** Connection settings for the dedicated lock connections. */
  connection: pg.PoolConfig;
  /** Lock connections held at once by this process, at most. */
  maxConnections?: number;
  /** Give up acquiring after this long (tus answers 500 "lock timeout", and clients retry). */
  acquireTimeoutMs?: number;
}

function keyOf(id: string): { key: string; channel: string } {
  const h = createHash('sha256').update(`tus-upload:${id}`).digest();
  return {
    key: h.readBigInt64BE(0).toString(),
    channel: `tus_release_${h.subarray(0, 8).toString('hex')}`,
  };
}

export class PostgresLocker implements Locker {
  readonly pool: pg.Pool;
  readonly acquireTimeoutMs: number;

  constructor(opts: PostgresLockerOptions) {
    this.pool = new pg.Pool({
      ...opts.connection,
      max: opts.maxConnections ?? 20,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: opts.acquireTimeoutMs ?? 30_000,
      allowExitOnIdle: true,
    });
    // A dropped connection must not crash the process: the query on it fails instead.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 30_000;
  }

  newLock(id: string): Lock {
    return new PostgresLock(this, id);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PostgresLock implements Lock {
  private client: pg.PoolClient | undefined;
  private onNotification: ((msg: pg.Notification) => void) | undefined;
  private readonly key: string;
  private readonly channel: string;

  constructor(
    private readonly locker: PostgresLocker,
    id: string,
  ) {
    ({ key: this.key, channel: this.channel } = keyOf(id));
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = Date.now() + this.locker.acquireTimeoutMs;
    // Every lock connection busy for longer than the timeout: as good as a lock timeout.
    const client = await this.locker.pool.connect().catch(() => {
      throw ERRORS.ERR_LOCK_TIMEOUT;
    });
    try {
      let wait = 20;
      for (;;) {
        if (signal.aborted) throw ERRORS.ERR_LOCK_TIMEOUT;
        const { rows } = await client.query<{ got: boolean }>(
          'select pg_try_advisory_lock($1::int8) as got',
          [this.key],
        );
        if (rows[0]?.got) break;
        // Ask the holder (in any process) to finish its request and let go.
        await client.query('select pg_notify($1, $2)', [this.channel, 'release']);
        if (Date.now() + wait > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 250);
      }
      this.onNotification = (msg) => {
        if (msg.channel === this.channel) void requestRelease();
      };
      client.on('notification', this.onNotification);
      await client.query(`listen ${this.channel}`);
      this.client = client;
    } catch (e) {
      client.release(e === ERRORS.ERR_LOCK_TIMEOUT ? undefined : true);
      throw e;
    }
  }

  async unlock(): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('Releasing an unlocked lock!');
    this.client = undefined;
    if (this.onNotification) client.removeListener('notification', this.onNotification);
    try {
      await client.query(`unlisten ${this.channel}`);
      await client.query('select pg_advisory_unlock($1::int8)', [this.key]);
      client.release();
    } catch {
      // The connection is gone, and the lock with it.
      client.release(true);
    }
  }
}
