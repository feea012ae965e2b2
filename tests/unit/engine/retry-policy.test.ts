import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryable, outcomeForFailure } from '../../../src/main/engine/retry/retry-policy';

const job = (over: Partial<Parameters<typeof outcomeForFailure>[0]['job']> = {}) => ({
  id: 'j1',
  attempt: 1,
  attemptsSinceRestart: 1,
  maxRetries: 3,
  retryDelaySeconds: 10,
  limits: {},
  ...over,
});

describe('backoff', () => {
  it('doubles per retry, with half fixed and half random, capped', () => {
    expect(backoffDelayMs(1, 10, 3600, () => 0)).toBe(5000);
    expect(backoffDelayMs(1, 10, 3600, () => 1)).toBe(10000);
    expect(backoffDelayMs(2, 10, 3600, () => 0)).toBe(10000);
    expect(backoffDelayMs(3, 10, 3600, () => 1)).toBe(40000);
    expect(backoffDelayMs(20, 10, 60, () => 1)).toBe(60000);
    expect(backoffDelayMs(1, 0, 60, () => 0.5)).toBe(0);
  });
});

describe('outcomeForFailure', () => {
  const base = { at: 1000, worker: 'w', metrics: {}, maxRetryDelaySeconds: 3600, random: () => 0 };

  it('retries transient, timeout and crash errors until the retries are used', () => {
    for (const cls of ['transient', 'timeout', 'worker_crash', 'engine_crash'] as const) {
      const o = outcomeForFailure({ ...base, job: job(), error: { class: cls, message: 'x' } });
      expect(o).toMatchObject({ kind: 'retrying', runAt: 1000 + 5000 });
    }
    const third = outcomeForFailure({ ...base, job: job({ attempt: 3, attemptsSinceRestart: 3 }), error: { class: 'transient', message: 'x' } });
    expect(third).toMatchObject({ kind: 'retrying', runAt: 1000 + 20000 });
    const last = outcomeForFailure({ ...base, job: job({ attempt: 4, attemptsSinceRestart: 4 }), error: { class: 'transient', message: 'x' } });
    expect(last.kind).toBe('failed');
  });

  it('counts retries from the last restart', () => {
    const o = outcomeForFailure({ ...base, job: job({ attempt: 9, attemptsSinceRestart: 1 }), error: { class: 'transient', message: 'x' } });
    expect(o.kind).toBe('retrying');
  });

  it('never retries permanent errors; cancelled is its own outcome; resource limits only when allowed', () => {
    expect(outcomeForFailure({ ...base, job: job(), error: { class: 'permanent', message: 'x' } }).kind).toBe('failed');
    expect(outcomeForFailure({ ...base, job: job(), error: { class: 'cancelled', message: 'x' } }).kind).toBe('cancelled');
    expect(outcomeForFailure({ ...base, job: job(), error: { class: 'resource_limit', message: 'x' } }).kind).toBe('failed');
    expect(outcomeForFailure({ ...base, job: job({ limits: { retryOnLimit: true } }), error: { class: 'resource_limit', message: 'x' } }).kind).toBe('retrying');
    expect(isRetryable('permanent', {})).toBe(false);
  });
});
