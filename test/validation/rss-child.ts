// Run in a child process by memory.test.ts: inspects FILE and prints the RSS growth as JSON,
// measured against a baseline taken after the code is loaded and warmed on a small file.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectFile } from '../../app/domain/validation/inspect.server';

const file = process.argv[2]!;
const warm = join(tmpdir(), `terridata-rss-warm-${process.pid}.csv`);
writeFileSync(warm, `a,b\n${'1,x\n'.repeat(1000)}`);
await inspectFile(warm);
(globalThis as { gc?: () => void }).gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10);
const report = await inspectFile(file);
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(
  JSON.stringify({
    baseline,
    peak,
    growthMiB: (peak - baseline) / 1024 / 1024,
    rows: report.csv?.rowCount,
    verdict: report.verdict,
  }),
);
