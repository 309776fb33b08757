// npm run bench:upload — throughput of the tus endpoint against a plain streamed PUT on the
// same server (the baseline), and the server's memory while a file goes through.
//
// The server runs as `npm start` would (a child process, production build, PostgreSQL
// locker), with UPLOAD_BENCH_BASELINE=1 adding the PUT route. A file of BENCH_MIB MiB
// (default 1024) goes up BENCH_RUNS times each way (default 3), alternating; tus uses
// tus-js-client with the browser widget's 50 MiB chunks. Prints MB/s for both, the median
// of the per-pair ratios tus/PUT, and the growth of the server's RSS during each upload.
// PostgreSQL: TEST_DATABASE_URL's server (a scratch database), or an embedded one.
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import * as tus from 'tus-js-client';
import { createDb } from '../../db/client';
import { withScratchDatabase } from '../../db/codegen';
import { buildDirectory } from '../../server/app';
import { TEST_SESSION_SECRET, createUserWithSession } from '../support/auth';
import { freePort, spawnNode, waitForHttp } from '../support/process';
import { keepBuildAsIs } from '../uploads/helpers';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_MIB ?? 1024) * MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHUNK = Number(process.env.BENCH_CHUNK_MIB ?? 50) * MiB;

/** CPU seconds (user + system) the process has used so far. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Samples the server's RSS every 50 ms while `fn` runs; returns the growth over the start. */
async function measure<T>(
  pid: number,
  fn: () => Promise<T>,
): Promise<{ result: T; seconds: number; rssGrowth: number; cpuSeconds: number }> {
  const before = rssOf(pid);
  const cpuBefore = cpuOf(pid);
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    peak = Math.max(peak, rssOf(pid));
    return { result, seconds, rssGrowth: peak - before, cpuSeconds: cpuOf(pid) - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}

async function writeSourceFile(file: string) {
  const out = createWriteStream(file);
  const block = randomBytes(16 * MiB);
  for (let written = 0; written < SIZE; written += block.length) {
    const part = block.subarray(0, Math.min(block.length, SIZE - written));
    if (!out.write(part)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function tusRun(base: string, cookie: string, file: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(file, { highWaterMark: 4 * MiB }), {
      endpoint: `${base}/uploads/files`,
      uploadSize: SIZE,
      chunkSize: CHUNK,
      metadata: { filename: `${name}.zip`, purpose: 'dataset' },
      headers: { Cookie: cookie, Origin: base },
      retryDelays: null,
      onSuccess: () => resolve(upload.url!),
      onError: reject,
    });
    upload.start();
  });
}

function putRun(base: string, cookie: string, file: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${base}/uploads/bench-baseline/${name}`);
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        Cookie: cookie,
        Origin: base,
        'Content-Length': String(SIZE),
        'Content-Type': 'application/octet-stream',
      },
    });
    req.on('response', (res) => {
      res.resume();
      if (res.statusCode === 204) resolve();
      else reject(new Error(`PUT answered ${res.statusCode}`));
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 4 * MiB }).pipe(req);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mbps = (seconds: number) => SIZE / 1e6 / seconds;
const mib = (n: number) => (n / MiB).toFixed(1);

await withScratchDatabase(async (databaseUrl) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'td-bench-upload-'));
  const uploadsDir = path.join(dir, 'uploads');
  const { db } = createDb(databaseUrl, 2);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  keepBuildAsIs(buildDirectory());
  const server = spawnNode('server/start.ts', {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: TEST_SESSION_SECRET,
    UPLOADS_DIR: uploadsDir,
    DATA_DIR: path.join(dir, 'data'),
    WORKER: 'off', // the checksum job would read the file while the next run writes
    UPLOAD_BENCH_BASELINE: '1',
    UPLOAD_QUOTA_BYTES: String(4 * SIZE),
    LOG_LEVEL: 'warn',
    REMIX_BUILD_DIR: process.env.REMIX_BUILD_DIR ?? 'build',
  });
  try {
    await waitForHttp(`${base}/healthz`, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${server.output()}`);
    });
    const { cookie } = await createUserWithSession(db);
    const source = path.join(dir, 'source.bin');
    await writeSourceFile(source);
    console.log(
      `upload benchmark: ${mib(SIZE)} MiB, ${RUNS} runs each way, tus chunks of ${mib(CHUNK)} MiB, server pid ${server.proc.pid}`,
    );
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`,
    );

    const pid = server.proc.pid!;
    const rows: Array<{
      run: number;
      kind: 'tus' | 'PUT';
      seconds: number;
      mbps: number;
      rss: number;
      cpu: number;
    }> = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const kind of run % 2 ? (['tus', 'PUT'] as const) : (['PUT', 'tus'] as const)) {
        const name = `run${run}-${kind}`;
        const m = await measure(pid, async () => {
          if (kind === 'tus') await tusRun(base, cookie, source, name);
          else await putRun(base, cookie, source, name);
        });
        rows.push({
          run,
          kind,
          seconds: m.seconds,
          mbps: mbps(m.seconds),
          rss: m.rssGrowth,
          cpu: m.cpuSeconds,
        });
        console.log(
          `  run ${run} ${kind.padEnd(3)}  ${m.seconds.toFixed(2).padStart(6)} s  ${mbps(m.seconds).toFixed(1).padStart(7)} MB/s  RSS +${mib(m.rssGrowth)} MiB  server CPU ${m.cpuSeconds.toFixed(2)} s`,
        );
        // Keep the disk from filling: this run's stored bytes are not needed any more.
        rmSync(path.join(uploadsDir, 'tus'), { recursive: true, force: true });
        rmSync(path.join(uploadsDir, 'bench-baseline'), { recursive: true, force: true });
        await db.deleteFrom('upload').execute();
      }
    }
    const tusRows = rows.filter((r) => r.kind === 'tus');
    const putRows = rows.filter((r) => r.kind === 'PUT');
    const ratios = tusRows.map((t, i) => t.mbps / putRows[i]!.mbps);
    const maxRss = Math.max(...tusRows.map((r) => r.rss));
    console.log('');
    console.log(`tus  median ${median(tusRows.map((r) => r.mbps)).toFixed(1)} MB/s`);
    console.log(`PUT  median ${median(putRows.map((r) => r.mbps)).toFixed(1)} MB/s`);
    console.log(
      `median ratio tus/PUT ${median(ratios).toFixed(2)} (target ≥ 0.8): ${median(ratios) >= 0.8 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `server RSS growth during a tus upload, max ${mib(maxRss)} MiB (target < 50 MiB): ${maxRss < 50 * MiB ? 'met' : 'NOT met'}`,
    );
    const cpuPerGiB = (rs: typeof rows) => median(rs.map((r) => r.cpu)) / (SIZE / 1024 ** 3);
    console.log(
      `server CPU per GiB (median): tus ${cpuPerGiB(tusRows).toFixed(2)} s, PUT ${cpuPerGiB(putRows).toFixed(2)} s`,
    );
    console.log(
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    console.log(
      `server RSS growth during a PUT, max ${mib(Math.max(...putRows.map((r) => r.rss)))} MiB`,
    );
  } finally {
    server.proc.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
