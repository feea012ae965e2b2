/**
 * The health check from scripted faults on a real store: stopped workers, a stuck job, a full disk
 * (free-space threshold), an unreachable store (closed), a failure spike; integrity ok.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../../src/shared/model';
import { ForkSpawner } from '../../../src/main/engine/pool/fork-spawner';
import type { ProcessSpawner, SpawnOptions, WorkerProcess } from '../../../src/main/engine/pool/process-spawner';
import { processAlive, startEngine, waitUntil, type TestEngine } from '../../helpers/engine';
import { fixedClock, seedJobs, type SeedJob } from '../../helpers/analytics-seed';

const NOW = Date.parse('2025-03-01T12:00:00.000Z');
const MIN = 60_000;

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

function issue(h: HealthReport, check: string) {
  return h.issues.find((i) => i.check === check);
}

/** Forks real workers until blocked; then every spawn is a process that exits at once (a worker that cannot start). */
class BlockableSpawner implements ProcessSpawner {
  blocked = false;
  private readonly inner = new ForkSpawner();
  spawn(options: SpawnOptions): WorkerProcess {
    if (!this.blocked) return this.inner.spawn(options);
    let onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | null = null;
    setImmediate(() => onExit?.(1, null));
    return { pid: undefined, send: () => false, kill: () => undefined, onMessage: () => undefined, onExit: (l) => void (onExit = l) };
  }
}

describe('health check', () => {
  it('is healthy on a fresh store, with the integrity check ok and disk space known', async () => {
    engine = await startEngine({ start: false, clock: fixedClock(NOW), overrides: { health: { minFreeDiskMb: 0 } } });
    const h = await engine.manager.performHealthCheck();
    expect(h.checks.integrity).toMatchObject({ ok: true, detail: 'ok' });
    expect(h.checks.disk).toMatchObject({ ok: true, path: engine.dir });
    expect(typeof h.checks.disk!.freeBytes).toBe('number');
    expect(h.checks.failureRate).toMatchObject({ ok: true });
    expect(issue(h, 'integrity')).toBeUndefined();
    expect(issue(h, 'disk')).toBeUndefined();
  });

  it('reports a job running past its timeout', async () => {
    engine = await startEngine({ start: false, clock: fixedClock(NOW) });
    seedJobs(engine.manager, [{ id: 'stuck-1', type: 'sleep', status: 'running', createdAt: NOW - 3 * 3_600_000, startedAt: NOW - 2 * 3_600_000, timeoutSeconds: 60, engineId: 'gone' }]);
    const h = await engine.manager.performHealthCheck();
    expect(h.status).toBe('degraded');
    expect(h.checks.stuckJobs).toMatchObject({ ok: false, count: 1, ids: ['stuck-1'] });
    expect(issue(h, 'stuckJobs')!.message).toContain('sleep job stuck-1, timeout 60 s');
    expect(issue(h, 'stuckJobs')!.action).toMatch(/cancel them/);
  });

  it('reports a full disk when free space is under the threshold', async () => {
    engine = await startEngine({ start: false, clock: fixedClock(NOW), overrides: { health: { minFreeDiskMb: 1e12 } } });
    const h = await engine.manager.performHealthCheck();
    const disk = issue(h, 'disk')!;
    expect(disk.severity).toBe('critical');
    expect(disk.message).toMatch(/free on the disk holding/);
    expect(disk.action).toMatch(/free disk space/);
    expect(h.status).toBe('unhealthy');
  });

  it('reports an unreachable store', async () => {
    engine = await startEngine({ start: false, clock: fixedClock(NOW) });
    await engine.manager.backend.close();
    const h = await engine.manager.performHealthCheck();
    expect(h.status).toBe('unhealthy');
    expect(issue(h, 'backend')).toMatchObject({ severity: 'critical' });
    expect(issue(h, 'backend')!.message).toContain('cannot be reached');
    expect(issue(h, 'backend')!.action).toMatch(/disk and the file permissions/);
  });

  it('reports a failure spike against the previous hours, and not a steady failure rate', async () => {
    engine = await startEngine({ start: false, clock: fixedClock(NOW) });
    const job = (id: string, status: 'completed' | 'failed', finishedAt: number): SeedJob => ({
      id, type: 'noop', status, createdAt: finishedAt - 2000, startedAt: finishedAt - 1000, finishedAt,
      ...(status === 'failed' ? { errorClass: 'transient', errorMessage: 'upstream 503' } : {}),
    });
    // Baseline (the 6 h before the last 15 min): 100 jobs, 2 failed (2 %).
    seedJobs(engine.manager, Array.from({ length: 100 }, (_, i) => job(`b${i}`, i < 2 ? 'failed' : 'completed', NOW - 20 * MIN - i * 3 * MIN)));
    // Recent: 3 of 10 failed (30 %) but fewer than 5 failures: no spike yet.
    seedJobs(engine.manager, Array.from({ length: 10 }, (_, i) => job(`r${i}`, i < 3 ? 'failed' : 'completed', NOW - i * MIN)));
    expect(issue(await engine.manager.performHealthCheck(), 'failureRate')).toBeUndefined();
    // Three more failures: 6 of 13 (46 %) ≥ 25 % and ≥ 2 × 2 %.
    seedJobs(engine.manager, [job('r10', 'failed', NOW - 30_000), job('r11', 'failed', NOW - 20_000), job('r12', 'failed', NOW - 10_000)]);
    const h = await engine.manager.performHealthCheck();
    expect(h.checks.failureRate).toMatchObject({ ok: false, recent: { failed: 6, finished: 13 }, baseline: { failed: 2, finished: 100 } });
    expect(issue(h, 'failureRate')!.message).toBe('failure spike: 6 of 13 jobs failed in the last 15 min (46%; previous 6 h: 2%)');
    expect(issue(h, 'failureRate')!.action).toMatch(/jobhandle failures/);
  });

  it('reports stopped workers when the pool cannot replace killed workers', async () => {
    const spawner = new BlockableSpawner();
    engine = await startEngine({ overrides: { workers: { min: 2, max: 2 } }, manager: { spawner } });
    const workers = engine.manager.listWorkers();
    expect(workers).toHaveLength(2);
    expect((await engine.manager.performHealthCheck()).checks.workers).toMatchObject({ ok: true, running: 2, minimum: 2 });
    spawner.blocked = true;
    for (const w of workers) process.kill(w.pid!, 'SIGKILL');
    await waitUntil(() => workers.every((w) => !processAlive(w.pid!)), 'workers to die');
    const h = await waitUntil(async () => {
      const report = await engine!.manager.performHealthCheck();
      return issue(report, 'workers')?.severity === 'critical' ? report : null;
    }, 'a critical workers issue');
    expect(h.status).toBe('unhealthy');
    expect(issue(h, 'workers')!.message).toBe('0 worker processes running, minimum is 2');
    expect(issue(h, 'workers')!.action).toMatch(/engine log/);
  });
});
