import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AUTO_SCALER_CONFIG,
  INITIAL_AUTO_SCALER_STATE,
  createManualClock,
  decide,
  type AutoScalerConfig,
  type AutoScalerInput,
  type ScaleDecision,
} from '../../../src/main/engine/governor';

const config: AutoScalerConfig = { ...DEFAULT_AUTO_SCALER_CONFIG, minWorkers: 2, maxWorkers: 10 };

/**
 * Runs the scaler every `tickMs` on a manual clock over a scripted load; the simulated pool
 * applies each decision at once. `load(t)` gives backlog, oldest wait and busy workers at t.
 */
function simulate(
  load: (t: number, workers: number) => Omit<AutoScalerInput, 'current'>,
  durationMs: number,
  tickMs = 5_000,
  cfg = config,
  start = 2,
) {
  const clock = createManualClock(0);
  let state = INITIAL_AUTO_SCALER_STATE;
  let workers = start;
  const log: (ScaleDecision & { at: number; workers: number })[] = [];
  for (let t = 0; t <= durationMs; t += tickMs) {
    clock.advanceTo(t);
    const decision = decide({ current: workers, ...load(clock.now(), workers) }, state, clock.now(), cfg);
    state = decision.state;
    workers = decision.target;
    log.push({ ...decision, at: t, workers });
  }
  return { log, workers, changes: log.filter((d) => d.action !== 'hold') };
}

const idle = { backlog: 0, oldestWaitMs: null, busyWorkers: 0, backpressure: false };

describe('auto-scaler decide()', () => {
  it('scales up on a backlog that has waited, in steps, with a cooldown, up to the maximum', () => {
    const { changes, workers } = simulate(
      (_t, w) => ({ backlog: 40, oldestWaitMs: 10_000, busyWorkers: w, backpressure: false }),
      60_000,
    );
    expect(workers).toBe(10);
    expect(changes.every((c) => c.action === 'up')).toBe(true);
    expect(changes.map((c) => c.target)).toEqual([4, 6, 8, 10]); // maxStepUp 2
    const gaps = changes.slice(1).map((c, i) => c.at - changes[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(config.upCooldownMs);
  });

  it('holds on a backlog that idle workers clear at once, and under backpressure', () => {
    expect(decide({ current: 4, backlog: 3, oldestWaitMs: 100, busyWorkers: 2, backpressure: false }, INITIAL_AUTO_SCALER_STATE, 0, config)).toMatchObject({ action: 'hold', target: 4 });
    const underPressure = decide({ current: 4, backlog: 30, oldestWaitMs: 60_000, busyWorkers: 4, backpressure: true }, INITIAL_AUTO_SCALER_STATE, 0, config);
    expect(underPressure).toMatchObject({ action: 'hold', target: 4 });
    expect(underPressure.reason).toMatch(/backpressure/);
  });

  it('scales down one step at a time only after a sustained idle period, never below the minimum', () => {
    const { changes, workers, log } = simulate(() => idle, 400_000, 5_000, config, 6);
    expect(workers).toBe(2);
    expect(changes[0]).toMatchObject({ action: 'down', target: 5 });
    expect(changes[0]!.at).toBeGreaterThanOrEqual(config.downIdleMs);
    expect(changes.every((c) => c.action === 'down')).toBe(true);
    const gaps = changes.slice(1).map((c, i) => c.at - changes[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(config.downCooldownMs);
    expect(log.at(-1)).toMatchObject({ action: 'hold', target: 2 });
  });

  it('scripted day: up, hold, down', () => {
    // 0–60 s: burst of work; 60–120 s: steady, matched; after 120 s: idle.
    const { changes, log } = simulate((t, w) => {
      if (t < 60_000) return { backlog: 20, oldestWaitMs: 8_000, busyWorkers: w, backpressure: false };
      if (t < 120_000) return { backlog: 0, oldestWaitMs: null, busyWorkers: w, backpressure: false };
      return idle;
    }, 400_000);
    const actions = changes.map((c) => c.action);
    const firstDown = actions.indexOf('down');
    expect(actions[0]).toBe('up');
    expect(firstDown).toBeGreaterThan(0);
    expect(actions.slice(0, firstDown).every((a) => a === 'up')).toBe(true);
    expect(actions.slice(firstDown).every((a) => a === 'down')).toBe(true);
    expect(log.filter((d) => d.at >= 60_000 && d.at < 120_000).every((d) => d.action === 'hold')).toBe(true);
    expect(changes.find((c) => c.action === 'down')!.at).toBeGreaterThanOrEqual(120_000 + config.downIdleMs);
    expect(log.at(-1)!.workers).toBe(2);
  });

  it('does not flap on an oscillating backlog', () => {
    // Bursts of 30 jobs every 40 s, each cleared within 20 s: a spiky but steady load.
    const { changes } = simulate((t, w) => {
      const inBurst = t % 40_000 < 20_000;
      return inBurst
        ? { backlog: 30, oldestWaitMs: 5_000, busyWorkers: w, backpressure: false }
        : { backlog: 0, oldestWaitMs: null, busyWorkers: 0, backpressure: false };
    }, 600_000);
    let reversals = 0;
    for (let i = 1; i < changes.length; i++) if (changes[i]!.action !== changes[i - 1]!.action) reversals++;
    expect(changes.length).toBeGreaterThan(0);
    expect(reversals).toBe(0);
    expect(changes.every((c) => c.action === 'up')).toBe(true);
  });

  it('brings the count into [min, max] at once, whatever the cooldowns', () => {
    const state = { lastUpAt: 0, lastDownAt: 0, surplusSince: null };
    expect(decide({ current: 0, ...idle, backpressure: true }, state, 1, config)).toMatchObject({ action: 'up', target: 2 });
    expect(decide({ current: 14, ...idle }, state, 1, config)).toMatchObject({ action: 'down', target: 10 });
  });

  it('counts free slots of busy workers when workers run several jobs', () => {
    const cfg = { ...config, jobsPerWorker: 4 };
    // 3 workers, 5 running jobs, 6 waiting: 11 jobs need ceil(11/4) = 3 workers: hold.
    const input = { current: 3, backlog: 6, oldestWaitMs: 10_000, busyWorkers: 3, backpressure: false, runningJobs: 5 };
    expect(decide(input, INITIAL_AUTO_SCALER_STATE, 0, cfg).action).toBe('hold');
    expect(decide({ ...input, backlog: 10 }, INITIAL_AUTO_SCALER_STATE, 0, cfg)).toMatchObject({ action: 'up', target: 4 });
  });
});
