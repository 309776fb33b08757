import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Fault tests (test/faults): several real server and worker processes per file, killed and
// restarted, a private PostgreSQL stopped and started. One file at a time: they measure
// recovery, which a neighbour file's load would blur.
export default defineConfig({
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  test: {
    reporters: process.env.TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.TEST_REPORT_DIR}/faults-${process.pid}.json` }]]
      : ['default'],
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
