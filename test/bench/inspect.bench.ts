// `npm run bench:inspect`: inspection speed on a generated CSV (20 columns of mixed types),
// next to the speed of merely reading the same file (the limit), in the same run.
// BENCH_SIZE_MB shrinks the file (default 1024 = 1 GiB); BENCH_KEEP=1 keeps it.
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectFile } from '../../app/domain/validation/inspect.server';
import { writeMixedCsv } from '../validation/generate';

const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 1024);
const path = join(tmpdir(), `terridata-bench-${sizeMb}mb.csv`);

async function readOnly(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
    n += (chunk as Buffer).length;
  return n;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  // BENCH_KEEP=1 keeps the file; a later run of the same size reuses it.
  const existing = await stat(path).catch(() => null);
  const reuse = existing !== null && existing.size >= sizeMb * 1024 * 1024;
  if (!reuse) await writeMixedCsv(createWriteStream(path), sizeMb * 1024 * 1024);
  const bytes = (await stat(path)).size;
  const mb = bytes / 1024 / 1024;
  console.log(
    reuse
      ? `reusing ${mb.toFixed(0)} MiB: ${path}`
      : `generated ${mb.toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${path}`,
  );

  await readOnly(path); // warm the page cache so both measures read from memory alike
  const r0 = performance.now();
  await readOnly(path);
  const readS = (performance.now() - r0) / 1000;

  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 10);
  const c0 = process.cpuUsage();
  const i0 = performance.now();
  const report = await inspectFile(path);
  const inspectS = (performance.now() - i0) / 1000;
  const cpu = process.cpuUsage(c0);
  // CPU time too: on a shared 2-core machine, wall time also measures the neighbours.
  const inspectCpuS = (cpu.user + cpu.system) / 1e6;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);

  const readMBs = mb / readS;
  const inspectMBs = mb / inspectS;
  console.log(`read only : ${readS.toFixed(2)} s, ${readMBs.toFixed(0)} MiB/s`);
  console.log(`inspection: ${inspectS.toFixed(2)} s, ${inspectMBs.toFixed(0)} MiB/s (wall clock)`);
  console.log(
    `inspection: ${inspectCpuS.toFixed(2)} s of CPU, ${(mb / inspectCpuS).toFixed(0)} MiB/s per CPU second`,
  );
  console.log(
    `ratio     : inspection runs at ${((inspectMBs / readMBs) * 100).toFixed(1)} % of read speed`,
  );
  console.log(
    `RSS growth: ${((rssPeak - rssBefore) / 1024 / 1024).toFixed(1)} MiB at the peak of the inspection`,
  );
  console.log(
    `load avg  : ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${cpus().length} cores`,
  );
  console.log(
    `report    : ${report.verdict}, ${report.csv?.rowCount} rows, ${report.csv?.columnCount} columns, ` +
      `types ${report.csv?.columns.map((c) => c.format?.code ?? c.type).join(',')}`,
  );
  if (process.env.BENCH_KEEP !== '1') await rm(path);
}

await main();
