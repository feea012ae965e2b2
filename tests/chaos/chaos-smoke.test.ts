/**
 * Smoke of `npm run chaos`: every SQLite scenario 2 trials with few jobs, the Redis scenarios 1
 * trial when redis-server exists. Zero lost and zero stuck jobs, no scenario violation.
 */
import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS } from '../../chaos/scenarios';
import { runScenarios } from '../../chaos/runner';

const SEED = 1234;
const REDIS = new Set(['redis-restart', 'redis-client-kill', 'redis-cluster-failover']);

describe('chaos smoke', () => {
  for (const scenario of ALL_SCENARIOS) {
    const skip = scenario.unavailable?.() ?? null;
    const trials = REDIS.has(scenario.name) ? 1 : 2;
    it.skipIf(skip !== null)(`${scenario.name}: ${trials} trial(s), nothing lost or stuck`, async () => {
      const [row] = await runScenarios([scenario], { trials, seed: SEED, jobs: 24, log: () => undefined });
      expect(row!.errors).toEqual([]);
      expect(row!.violations).toEqual([]);
      expect(row!.trials).toBe(trials);
      expect(row!.jobs).toBeGreaterThan(0);
      expect(row!.lost).toBe(0);
      expect(row!.stuck).toBe(0);
      // A duplicate is allowed only after a crash, and must be explained by one.
      if (row!.duplicates > 0) expect(Object.keys(row!.causes).some((c) => /crash|interrupted|retrying/.test(c))).toBe(true);
    }, REDIS.has(scenario.name) ? 240_000 : 120_000);
  }
});
