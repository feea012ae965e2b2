import { describe, expect, it } from 'vitest';
import { ConcurrencyLimits } from '../../../src/main/engine/governor';

describe('ConcurrencyLimits', () => {
  it('enforces global, per-queue and per-type limits and names the one that stops a job', () => {
    const limits = new ConcurrencyLimits({ global: 3, perQueue: { emails: 1 }, perType: { report: 2 } });
    expect(limits.canStart({ queue: 'emails', type: 'email' })).toBe(true);
    limits.started({ queue: 'emails', type: 'email', id: 'a' });
    expect(limits.check({ queue: 'emails', type: 'email' })).toMatchObject({ ok: false, scope: 'queue' });
    expect(limits.canStart({ queue: 'default', type: 'report' })).toBe(true);
    limits.started({ queue: 'default', type: 'report', id: 'b' });
    limits.started({ queue: 'other', type: 'report', id: 'c' });
    expect(limits.check({ queue: 'x', type: 'y' })).toMatchObject({ ok: false, scope: 'global' });
    limits.finished({ queue: 'emails', type: 'email', id: 'a' });
    expect(limits.check({ queue: 'x', type: 'report' })).toMatchObject({ ok: false, scope: 'type' });
    expect(limits.canStart({ queue: 'x', type: 'y' })).toBe(true);
  });

  it('tells the dispatcher how many it may claim and which queues and types are saturated', () => {
    const limits = new ConcurrencyLimits({ global: 5, perQueue: { a: 1, b: 3 }, perType: { t: 1 } });
    limits.started({ queue: 'a', type: 't' });
    expect(limits.capacity()).toEqual({
      running: 1,
      limit: 5,
      free: 4,
      saturatedQueues: ['a'],
      saturatedTypes: ['t'],
      queueFree: { a: 0, b: 3 },
      typeFree: { t: 0 },
    });
    expect(new ConcurrencyLimits().capacity()).toMatchObject({ free: null, limit: null, saturatedQueues: [] });
  });

  it('is idempotent by job id and never drops below zero', () => {
    const limits = new ConcurrencyLimits({ global: 1 });
    expect(limits.started({ queue: 'q', type: 't', id: 'j1' })).toBe(true);
    expect(limits.started({ queue: 'q', type: 't', id: 'j1' })).toBe(false);
    expect(limits.finished({ queue: 'q', type: 't', id: 'j1' })).toBe(true);
    expect(limits.finished({ queue: 'q', type: 't', id: 'j1' })).toBe(false);
    expect(limits.finished({ queue: 'q', type: 't' })).toBe(false);
    expect(limits.capacity().running).toBe(0);
  });

  it('applies a lowered limit to new starts only and rejects nonsense limits', () => {
    const limits = new ConcurrencyLimits();
    limits.started({ queue: 'q', type: 't' });
    limits.started({ queue: 'q', type: 't' });
    limits.setQueueLimit('q', 1);
    expect(limits.capacity()).toMatchObject({ running: 2, queueFree: { q: 0 } });
    expect(limits.canStart({ queue: 'q', type: 't' })).toBe(false);
    limits.setQueueLimit('q', null);
    expect(limits.canStart({ queue: 'q', type: 't' })).toBe(true);
    expect(() => limits.setGlobal(-1)).toThrow(/whole number/);
    expect(() => new ConcurrencyLimits({ perType: { t: 1.5 } })).toThrow(/job type "t"/);
  });
});
