// Constant memory: inspecting a generated 200 MB CSV grows the RSS of a fresh process by less
// than 50 MiB. Measured in a child process, so the test runner's own heap does not blur it.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { workDir } from './fixtures';
import { writeMixedCsv } from './generate';

const SIZE_MB = Number(process.env.RSS_TEST_SIZE_MB ?? 200);
const file = join(workDir, 'large.csv');

afterAll(async () => {
  await rm(file, { force: true });
});

it(
  `keeps RSS growth under 50 MiB while inspecting a ${SIZE_MB} MB CSV`,
  { timeout: 300_000 },
  async () => {
    await writeMixedCsv(createWriteStream(file), SIZE_MB * 1024 * 1024);
    expect((await stat(file)).size).toBeGreaterThan(SIZE_MB * 1024 * 1024);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'test/validation/rss-child.ts', file],
      { cwd: process.cwd(), maxBuffer: 1024 * 1024 },
    );
    const result = JSON.parse(stdout) as { growthMiB: number; rows: number; verdict: string };
    console.log(
      `RSS growth for ${SIZE_MB} MB: ${result.growthMiB.toFixed(1)} MiB over ${result.rows} rows`,
    );
    expect(result.verdict).toBe('verified');
    expect(result.rows).toBeGreaterThan(700_000);
    expect(result.growthMiB).toBeLessThan(50);
  },
);
