import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real processes; two files at a time suits a 2-core machine.
    maxWorkers: 2,
    // Throw-away redis-server instances (single node + 3-master cluster) for the Redis suites.
    globalSetup: ['tests/global-setup/redis.ts'],
  },
});
