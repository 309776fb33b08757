// `npm start` on the embedded PostgreSQL, killed with SIGKILL, then started again: the
// orphaned PostgreSQL is dealt with and the data is intact. Then SIGTERM stops everything.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import type { Child } from '../support/process';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'td-embedded-'));
const children: Child[] = [];
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  const pid = postmasterPid();
  if (pid) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      /* gone */
    }
  }
  setTimeout(() => rmSync(dataDir, { recursive: true, force: true }), 2000).unref();
});

function postmasterPid(): number | undefined {
  try {
    return Number(readFileSync(path.join(dataDir, 'pg/postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function start(port: number): Promise<Child> {
  const child = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    DATABASE_URL: '',
    TEST_DATABASE_URL: '',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '3000',
  });
  children.push(child);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${child.output()}`);
  });
  return child;
}

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const port = readFileSync(path.join(dataDir, 'pg-port'), 'utf8').trim();
  const client = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/terridata` });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('starts on a port other than 5432, survives kill -9 of the server with its data, and stops on SIGTERM', async () => {
    const port = await freePort();
    const first = await start(port);
    const pgPort = Number(readFileSync(path.join(dataDir, 'pg-port'), 'utf8'));
    expect(pgPort).not.toBe(5432);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('lang="fr"');

    await query('create table survival (note text)');
    await query("insert into survival values ('written before kill -9')");

    first.proc.kill('SIGKILL');
    await first.exited;
    const orphan = postmasterPid()!;
    expect(alive(orphan)).toBe(true); // PostgreSQL outlived its parent, holding the port

    const second = await start(port);
    expect(second.output()).toMatch(/orphaned PostgreSQL/);
    expect(alive(orphan)).toBe(false);
    expect(Number(readFileSync(path.join(dataDir, 'pg-port'), 'utf8'))).toBe(pgPort); // same cluster, same port
    expect(await query<{ note: string }>('select note from survival')).toEqual([{ note: 'written before kill -9' }]);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const startedStop = Date.now();
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(Date.now() - startedStop).toBeLessThan(3000 + 5000);
    const pid = postmasterPid();
    expect(pid === undefined || !alive(pid)).toBe(true); // the embedded server went down with it
  }, 240_000);
});
