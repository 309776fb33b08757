// Graceful shutdown: on SIGTERM the server stops accepting, lets in-flight requests finish,
// and exits; a request that never finishes is cut at SHUTDOWN_TIMEOUT_MS.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import type { Child } from '../support/process';

let t: TestDatabase;
const children: Child[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await t?.close();
});

async function startServer(timeoutMs: number) {
  const port = await freePort();
  const child = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    DATABASE_URL: t.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
    SESSION_SECRET: 'shutdown-secret-shutdown-secret-0123456',
  });
  children.push(child);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000);
  return { child, port };
}

/** Opens a POST whose body is only partly sent: a request in flight. */
function openRequest(port: number): { socket: net.Socket; response: Promise<string>; finish(): void } {
  const socket = net.connect(port, '127.0.0.1');
  const body = 'x='.padEnd(1000, 'y');
  socket.write(
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  );
  let data = '';
  socket.on('data', (d) => (data += d));
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(data));
  });
  return { socket, response, finish: () => socket.write(body.slice(10)) };
}

describe('graceful shutdown', () => {
  it('finishes a request in flight when SIGTERM arrives, then exits 0', async () => {
    const { child, port } = await startServer(10_000);
    const req = openRequest(port);
    await new Promise((r) => setTimeout(r, 300));
    child.proc.kill('SIGTERM');
    await child.waitFor(/shutting down/);
    // New connections are refused while the old one is still served.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    req.finish();
    const response = await req.response;
    expect(response).toMatch(/^HTTP\/1\.1 405/); // the home page has no action: a real answer
    expect(await child.exited).toBe(0);
  }, 120_000);

  it('cuts a request that never ends at the shutdown timeout and exits 0', async () => {
    const { child, port } = await startServer(1500);
    openRequest(port);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(1500 + 5000);
    expect(child.output()).toMatch(/shutdown timeout: closing remaining connections/);
  }, 120_000);
});
