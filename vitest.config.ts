import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Unit and integration tests: real PostgreSQL, one database per test file (cloned from a
// migrated template), files in parallel on the machine's two cores.
export default defineConfig({
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  test: {
    // CI collects counts from JSON reports when TEST_REPORT_DIR is set.
    reporters: process.env.TEST_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.TEST_REPORT_DIR}/unit-${process.pid}.json` }]]
      : ['default'],
    include: ['test/**/*.test.ts'],
    // test/faults runs on its own, one file at a time (vitest.faults.config.ts).
    exclude: ['test/e2e/**', 'test/faults/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
