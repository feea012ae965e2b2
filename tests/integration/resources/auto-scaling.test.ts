/**
 * Auto-scaling through the engine's own loop, on a manual clock with a scripted backlog (real
 * worker processes are spawned and drained): up, hold, down, no flapping. And scale-down never
 * kills a running job.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/main/engine/clock';
import { startEngine, waitForEvent, waitUntil, type TestEngine } from '../../helpers/engine';
import { RESOURCE_HANDLERS, scriptedHost } from './resource-helpers';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

const live = (e: TestEngine) => e.manager.listWorkers().filter((w) => w.state !== 'draining' && w.state !== 'stopped').length;

describe('auto-scaling', () => {
  it('scales up on backlog, holds at max, scales down after sustained surplus, and does not flap', async () => {
    const clock = createManualClock(Date.now());
    let backlog = { backlog: 0, oldestWaitMs: null as number | null };
    let probes = 0;
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 1, max: 3, concurrency: 1 },
        resources: { autoScaleIntervalMs: 1000, hostIntervalMs: 1000 },
      },
      manager: {
        governance: {
          clock,
          hostSampler: scriptedHost(),
          backlogProbe: async () => {
            probes++;
            return backlog;
          },
        },
      },
    });
    const gov = engine.manager.governance!;
    const actions = () => gov.autoScaler.status().steps.map((d) => `${d.action}:${d.target}`);
    // One loop tick: move the clock by an interval and wait for the decision it triggers.
    const tick = async (n = 1) => {
      for (let i = 0; i < n; i++) {
        const before = probes;
        clock.advance(1000);
        await waitUntil(() => probes > before, 'an auto-scaler tick', 5000, 2);
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
      }
    };

    backlog = { backlog: 5, oldestWaitMs: 500 };
    await tick(); // waited < 2 s: hold
    expect(actions()).toEqual([]);
    backlog = { backlog: 5, oldestWaitMs: 5000 };
    await tick(); // up by 2 (step limit)
    expect(actions()).toEqual(['up:3']);
    await waitUntil(() => engine!.manager.listWorkers().filter((w) => w.state === 'idle').length === 3, 'three ready workers', 20_000);
    await tick(3); // at max: hold
    expect(actions()).toEqual(['up:3']);

    // Spiky load: the backlog comes and goes every few seconds for two minutes — no scale-down.
    for (let i = 0; i < 120; i++) {
      backlog = i % 10 < 5 ? { backlog: 0, oldestWaitMs: null } : { backlog: 3, oldestWaitMs: 3000 };
      await tick();
    }
    expect(actions()).toEqual(['up:3']);

    // Sustained surplus: down after 60 s, one at a time, 30 s apart.
    backlog = { backlog: 0, oldestWaitMs: null };
    await tick(59);
    expect(actions()).toEqual(['up:3']);
    await tick(2);
    expect(actions()).toEqual(['up:3', 'down:2']);
    await tick(28);
    expect(actions()).toEqual(['up:3', 'down:2']);
    await tick(3);
    expect(actions()).toEqual(['up:3', 'down:2', 'down:1']);
    await waitUntil(() => engine!.manager.listWorkers().length === 1, 'the drained workers to exit', 20_000);
    await tick(40); // at min: hold
    expect(actions()).toEqual(['up:3', 'down:2', 'down:1']);
  }, 90_000);

  it('scale-down drains: long jobs on every worker all complete on their first attempt', async () => {
    engine = await startEngine({
      overrides: { handlers: RESOURCE_HANDLERS, workers: { min: 1, max: 3, concurrency: 1 }, resources: { autoScale: false } },
      manager: { governance: { hostSampler: scriptedHost() } },
    });
    const m = engine.manager;
    expect(m.scaleWorkers(3)).toBe(3);
    await waitUntil(() => m.listWorkers().filter((w) => w.state === 'idle').length === 3, 'three ready workers', 20_000);
    const dir = mkdtempSync(join(tmpdir(), 'jobhandle-drain-'));
    const stopFile = join(dir, 'stop');
    try {
      const jobs = await Promise.all([1, 2, 3].map(() => m.submitJob({ type: 'sleep', parameters: { ms: 60_000, stopFile } })));
      await waitUntil(() => m.listWorkers().filter((w) => w.currentJobs.length === 1).length === 3, 'a job on every worker');
      expect(m.scaleWorkers(1)).toBe(1);
      const draining = m.listWorkers().filter((w) => w.state === 'draining');
      expect(draining).toHaveLength(2);
      // A job submitted now never goes to a draining worker.
      const extra = await m.submitJob({ type: 'noop', parameters: {} });
      const extraStarted = waitForEvent(m, 'job:started', (e) => e.id === extra.id);
      writeFileSync(stopFile, '');
      const done = await Promise.all(jobs.map((j) => m.waitForJob(j.id, 20_000)));
      expect(done.map((j) => [j.status, j.attempts])).toEqual([
        ['completed', 1],
        ['completed', 1],
        ['completed', 1],
      ]);
      const started = await extraStarted;
      expect(draining.map((w) => w.name)).not.toContain(started.worker);
      await waitUntil(() => m.listWorkers().length === 1, 'the drained workers to exit', 20_000);
      expect((await m.waitForJob(extra.id, 10_000)).status).toBe('completed');
      expect(live(engine)).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
