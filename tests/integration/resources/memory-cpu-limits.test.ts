/**
 * Per-job limits with real worker processes: a memory hog is killed at its limit and fails with
 * class resource_limit; a CPU-bound job over its limit is throttled (default) or killed ('kill').
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, waitForEvent, waitUntil, type TestEngine } from '../../helpers/engine';
import { RESOURCE_HANDLERS, scriptedHost } from './resource-helpers';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('per-job memory and CPU limits', () => {
  it('kills a memory hog at its limit and classifies it resource_limit (not retried)', async () => {
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 1, max: 1, concurrency: 1 },
        jobs: { maxRetries: 2, retryDelaySeconds: 0 },
        resources: { sampleIntervalMs: 200, autoScale: false },
      },
      manager: { governance: { hostSampler: scriptedHost() } },
    });
    const m = engine.manager;
    // 600 MB over ~3 s: slow enough that a sampler delayed by a busy machine still catches it midway.
    const job = await m.submitJob({ type: 'memory-hog', parameters: { totalMb: 600, everyMs: 50, holdMs: 20_000 }, limits: { maxMemoryMb: 100 } });
    const done = await m.waitForJob(job.id, 30_000);
    expect(done.status).toBe('failed');
    expect(done.error?.class).toBe('resource_limit');
    expect(done.error?.message).toMatch(/exceeded the job's limit of 100 MB/);
    expect(done.attempts).toBe(1);
    expect(done.metrics.peakMemoryMb).toBeGreaterThan(100);
    expect(done.metrics.peakMemoryMb).toBeLessThan(600); // stopped before it got what it asked for
  }, 40_000);

  it('retries a job killed for memory only with retryOnLimit', async () => {
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 1, max: 1, concurrency: 1 },
        jobs: { maxRetries: 1, retryDelaySeconds: 0 },
        resources: { sampleIntervalMs: 200, autoScale: false },
      },
      manager: { governance: { hostSampler: scriptedHost() } },
    });
    const m = engine.manager;
    const job = await m.submitJob({ type: 'memory-hog', parameters: { totalMb: 300 }, limits: { maxMemoryMb: 100, retryOnLimit: true } });
    const done = await m.waitForJob(job.id, 40_000);
    expect(done.status).toBe('failed');
    expect(done.error?.class).toBe('resource_limit');
    expect(done.attempts).toBe(2);
  }, 50_000);

  it('throttles a CPU-bound job over its limit: no job is co-scheduled beside it, nothing fails', async () => {
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 1, max: 1, concurrency: 4 },
        resources: { sampleIntervalMs: 200, cpuSustainSeconds: 1, autoScale: false },
      },
      manager: { governance: { hostSampler: scriptedHost() } },
    });
    const m = engine.manager;
    const spin = await m.submitJob({ type: 'cpu-spin', parameters: { ms: 10_000 }, limits: { maxCpuPercent: 1 } });
    await waitUntil(() => Object.keys(m.governance!.state().throttled).includes(spin.id), 'the spinning job to be throttled', 20_000);
    // The policy's invariant: nothing starts on the spinner's worker while the spinner is throttled.
    let throttledAtStart: boolean | null = null;
    const onStart = (e: { id: string }) => {
      if (e.id === other.id) throttledAtStart = Object.keys(m.governance!.state().throttled).includes(spin.id);
    };
    m.on('job:started', onStart);
    const other = await m.submitJob({ type: 'noop', parameters: {} });
    await new Promise((r) => setTimeout(r, 500));
    if (Object.keys(m.governance!.state().throttled).includes(spin.id)) expect((await m.getJob(other.id))!.status).toBe('pending');
    const spun = await m.waitForJob(spin.id, 30_000);
    expect(spun.status).toBe('completed');
    expect(spun.metrics.cpuPercent).toBeGreaterThan(1);
    const ran = await m.waitForJob(other.id, 20_000);
    expect(ran.status).toBe('completed');
    expect(throttledAtStart).toBe(false);
    const workers = m.listWorkers();
    expect(workers[0]!.memoryMb).toBeGreaterThan(0);
  }, 60_000);

  it("kills a CPU-bound job with the 'kill' policy", async () => {
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 1, max: 1, concurrency: 1 },
        resources: { sampleIntervalMs: 200, cpuSustainSeconds: 1, cpuPolicy: 'kill', autoScale: false },
      },
      manager: { governance: { hostSampler: scriptedHost() } },
    });
    const m = engine.manager;
    const failed = waitForEvent(m, 'job:failed', () => true, 20_000);
    const spin = await m.submitJob({ type: 'cpu-spin', parameters: { ms: 15_000 }, limits: { maxCpuPercent: 10 } });
    const ev = await failed;
    expect(ev.id).toBe(spin.id);
    expect(ev.error.class).toBe('resource_limit');
    expect(ev.error.message).toMatch(/stayed above the job's limit of 10% \(maxCpuPercent\)/);
  }, 30_000);
});
