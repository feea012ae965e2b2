/**
 * Host backpressure with real workers and test-injected host samples: above a threshold no new
 * job starts while running ones finish; below threshold − 10 for 3 samples it resumes
 * (hysteresis); stats and health say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, waitForEvent, waitUntil, type TestEngine } from '../../helpers/engine';
import { RESOURCE_HANDLERS, scriptedHost } from './resource-helpers';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('host backpressure', () => {
  it('holds new jobs above the threshold, lets running ones finish, resumes with hysteresis', async () => {
    const host = scriptedHost({ cpuPercent: 10, memoryPercent: 20 });
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 1, max: 1, concurrency: 4 },
        thresholds: { cpuPercent: 80, memoryPercent: 85 },
        resources: { hostIntervalMs: 100, autoScale: false },
      },
      manager: { governance: { hostSampler: host } },
    });
    const m = engine.manager;
    const gov = m.governance!;
    const running = await m.submitJob({ type: 'sleep', parameters: { ms: 1500 } });
    await waitForEvent(m, 'job:started', (e) => e.id === running.id);

    host.set({ cpuPercent: 93, memoryPercent: 20 });
    await waitUntil(() => gov.governor.backpressure.state().engaged, 'backpressure to engage');
    const held = await m.submitJob({ type: 'noop', parameters: {} });
    const stats = await m.getQueueStats();
    expect(stats.backpressure?.engaged).toBe(true);
    expect(stats.backpressure?.reason).toMatch(/host CPU 93% above threshold 80%/);
    expect(stats.cpu_usage_percent).toBe(93);
    const health = await m.performHealthCheck();
    expect(health.status).not.toBe('healthy');
    expect(health.issues.some((i) => i.check === 'backpressure')).toBe(true);

    // The running job is not harmed.
    expect((await m.waitForJob(running.id, 15_000)).status).toBe('completed');
    // In the dead band (between 70 and 80) backpressure stays on, however many samples.
    host.set({ cpuPercent: 75, memoryPercent: 20 });
    const readsAtDeadBand = host.reads;
    await waitUntil(() => host.reads >= readsAtDeadBand + 6, 'six dead-band samples');
    expect(gov.governor.backpressure.state().engaged).toBe(true);
    expect((await m.getJob(held.id))!.status).toBe('pending');

    // Below 70 for 3 samples: released, the held job runs.
    host.set({ cpuPercent: 20, memoryPercent: 20 });
    const done = await m.waitForJob(held.id, 15_000);
    expect(done.status).toBe('completed');
    expect(gov.governor.backpressure.state().engaged).toBe(false);
    expect((await m.getQueueStats()).backpressure?.engaged).toBe(false);
  }, 40_000);
});
