import { describe, expect, it } from 'vitest';
import { ResourceTracker, evaluateResourcePolicy, type JobUsageSample } from '../../../src/main/engine/governor';

const MB = 1024 * 1024;
const series = (cpu: (number | null)[], rssMb = 50, stepMs = 1000): JobUsageSample[] =>
  cpu.map((c, i) => ({ at: i * stepMs, cpuPercent: c, rssBytes: rssMb * MB }));

describe('evaluateResourcePolicy', () => {
  it('kills at once over the memory limit, naming the limit and the measured value', () => {
    const d = evaluateResourcePolicy({ maxMemoryMb: 256 }, [{ at: 0, cpuPercent: 5, rssBytes: 312.44 * MB }], 0);
    expect(d).toMatchObject({ action: 'kill', limit: 'memory', measured: 312.4, limitValue: 256, retryable: false });
    if (d.action !== 'kill') throw new Error('unreachable');
    expect(d.error).toEqual({
      class: 'resource_limit',
      code: 'MEMORY_LIMIT',
      message: "memory 312.4 MB exceeded the job's limit of 256 MB (maxMemoryMb)",
    });
    expect(evaluateResourcePolicy({ maxMemoryMb: 256, retryOnLimit: true }, [{ at: 0, cpuPercent: 5, rssBytes: 300 * MB }], 0)).toMatchObject({ retryable: true });
    expect(evaluateResourcePolicy({ maxMemoryMb: 256 }, [{ at: 0, cpuPercent: 5, rssBytes: 256 * MB }], 0).action).toBe('none');
  });

  it('ignores CPU above the limit for less than the sustain period', () => {
    const samples = series(Array(30).fill(150)); // 0..29 s
    expect(evaluateResourcePolicy({ maxCpuPercent: 80 }, samples, 29_000).action).toBe('none');
  });

  it('throttles (default policy) after CPU stays over the limit for the sustain period, and lifts when it drops', () => {
    const samples = series(Array(31).fill(150)); // 0..30 s
    const d = evaluateResourcePolicy({ maxCpuPercent: 80 }, samples, 30_000);
    expect(d).toMatchObject({ action: 'throttle', limit: 'cpu', measured: 150, limitValue: 80, overSince: 0 });
    samples.push({ at: 31_000, cpuPercent: 40, rssBytes: 0 });
    expect(evaluateResourcePolicy({ maxCpuPercent: 80 }, samples, 31_000).action).toBe('none');
  });

  it('kills under the kill policy with a resource_limit error', () => {
    const d = evaluateResourcePolicy({ maxCpuPercent: 80 }, series(Array(41).fill(190)), 40_000, { cpuPolicy: 'kill', cpuSustainMs: 30_000 });
    expect(d).toMatchObject({ action: 'kill', limit: 'cpu', error: { class: 'resource_limit', code: 'CPU_LIMIT' } });
    if (d.action === 'kill') expect(d.error.message).toBe("CPU 190% stayed above the job's limit of 80% (maxCpuPercent) for 40 s");
  });

  it('restarts the sustain clock after any sample at or below the limit', () => {
    const cpu = Array(60).fill(150);
    cpu[45] = 80; // one dip to the limit at 45 s
    expect(evaluateResourcePolicy({ maxCpuPercent: 80 }, series(cpu), 59_000).action).toBe('none');
    expect(evaluateResourcePolicy({ maxCpuPercent: 80 }, series(cpu), 76_000)).toMatchObject({ action: 'throttle', overSince: 46_000 });
  });

  it('does nothing without limits or samples', () => {
    expect(evaluateResourcePolicy({}, series([500], 10_000), 0).action).toBe('none');
    expect(evaluateResourcePolicy({ maxMemoryMb: 1 }, [], 0).action).toBe('none');
  });
});

describe('ResourceTracker', () => {
  it('keeps a bounded series per job, tracks the peak, and forgets', () => {
    const tracker = new ResourceTracker({ cpuSustainMs: 10_000 }, 2_000);
    for (let s = 0; s <= 100; s++) tracker.record('j', { at: s * 1000, cpuPercent: 200, rssBytes: (s === 5 ? 700 : 100) * MB });
    expect(tracker.evaluate('j', { maxCpuPercent: 100 }, 100_000)).toMatchObject({ action: 'throttle' });
    expect(tracker.peakMemoryMb('j')).toBe(700);
    expect(tracker.evaluate('j', { maxMemoryMb: 200 }, 100_000).action).toBe('none');
    tracker.forget('j');
    expect(tracker.peakMemoryMb('j')).toBeNull();
    expect(tracker.evaluate('j', { maxCpuPercent: 1 }, 100_000).action).toBe('none');
  });
});
