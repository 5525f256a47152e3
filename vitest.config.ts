import { defineConfig } from 'vitest/config';

// Integration and CLI tests create real Git repos in temp folders and run `git` and the built CLI as
// subprocesses, so they are I/O- and process-bound: two forked workers keep a 2-core machine busy
// without thrashing, and the generous timeout covers slow CI disks (no test asserts on timing).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
