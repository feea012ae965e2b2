/** evaluateHealth over scripted facts: each rule names its cause and an action. */
import { describe, expect, it } from 'vitest';
import { evaluateHealth, isFailureSpike, type HealthFacts } from '../../../src/main/engine/health/health-check';

const BASE: HealthFacts = {
  now: 1_000_000,
  backend: { kind: 'sqlite', location: '/data/jobhandle.db', reachable: true, warning: null },
  workers: { running: 2, minimum: 2 },
  backlog: { pending: 0, oldestPendingAgeMs: null },
  overdueJobs: [],
  host: { cpuPercent: 10, memoryPercent: 20, cpuThreshold: 80, memoryThreshold: 85 },
  stalledAfterMs: 600_000,
};

describe('evaluateHealth', () => {
  it('is healthy when every check passes', () => {
    const h = evaluateHealth({ ...BASE, disk: { path: '/data', freeBytes: 5e9, minFreeBytes: 1e9 }, integrity: { ok: true, detail: 'ok', checkedAt: 1 } });
    expect(h).toMatchObject({ status: 'healthy', issues: [] });
    expect(h.checks.disk!.ok).toBe(true);
    expect(h.checks.integrity!.ok).toBe(true);
  });

  it('warns on low disk space and is critical under a tenth of the minimum', () => {
    const low = evaluateHealth({ ...BASE, disk: { path: '/data', freeBytes: 5e8, minFreeBytes: 1e9 } });
    expect(low.status).toBe('degraded');
    expect(low.issues[0]).toMatchObject({ check: 'disk', severity: 'warning' });
    const full = evaluateHealth({ ...BASE, disk: { path: '/data', freeBytes: 1e7, minFreeBytes: 1e9 } });
    expect(full.issues[0]).toMatchObject({ check: 'disk', severity: 'critical' });
    expect(evaluateHealth({ ...BASE, disk: { path: '/data', freeBytes: null, minFreeBytes: 1e9 } }).issues).toEqual([]);
  });

  it('is unhealthy when the integrity check fails, pointing at the backups', () => {
    const h = evaluateHealth({ ...BASE, integrity: { ok: false, detail: 'row 4 missing from index jobs_status', checkedAt: 1 } });
    expect(h.status).toBe('unhealthy');
    expect(h.issues[0]!.message).toContain('row 4 missing');
    expect(h.issues[0]!.action).toContain('backups');
  });

  it('flags a failure spike only with enough failures, a high rate and twice the baseline', () => {
    const f = (recentFailed: number, recentFinished: number, baseFailed: number, baseFinished: number) => ({
      recentMinutes: 15,
      baselineHours: 6,
      recent: { failed: recentFailed, finished: recentFinished },
      baseline: { failed: baseFailed, finished: baseFinished },
    });
    expect(isFailureSpike(f(5, 20, 0, 0))).toBe(true); // 25 %, no baseline
    expect(isFailureSpike(f(4, 4, 0, 100))).toBe(false); // too few failures
    expect(isFailureSpike(f(5, 21, 0, 100))).toBe(false); // under 25 %
    expect(isFailureSpike(f(10, 20, 20, 100))).toBe(true); // 50 % ≥ 2 × 20 %
    expect(isFailureSpike(f(10, 20, 30, 100))).toBe(false); // 50 % < 2 × 30 %
    const h = evaluateHealth({ ...BASE, failureRate: f(6, 13, 2, 100) });
    expect(h.issues.map((i) => i.check)).toEqual(['failureRate']);
  });
});
