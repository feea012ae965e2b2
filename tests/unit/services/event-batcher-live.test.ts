/**
 * EventBatcher rules for the pushed live feed: every `job:log` line is kept up to a cap per job
 * and flush (the excess counted, never sent); `system:sample` and `health:changed` keep only the
 * latest of a flush, in the place of the first; other events keep their order.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EventBatcher, type EventSource } from '../../../src/main/services/event-batcher';
import type { EventBatch } from '../../../src/shared/contract';
import type { SystemSample } from '../../../src/shared/events';

function source(): EventSource & EventEmitter {
  return new EventEmitter() as EventSource & EventEmitter;
}

const sample = (at: number) => ({ at }) as unknown as SystemSample;

describe('EventBatcher live rules', () => {
  it('keeps job:log lines up to the cap per job and flush, then starts again', () => {
    const batches: EventBatch[] = [];
    const s = source();
    const b = new EventBatcher(s, (batch) => batches.push(batch), { intervalMs: 10_000, maxLogLinesPerJob: 3 });
    for (let i = 0; i < 5; i++) s.emit('job:log', { id: 'a', ts: i, stream: 'out', line: `a${i}` });
    s.emit('job:log', { id: 'b', ts: 9, stream: 'err', line: 'b0' });
    b.flush();
    expect(batches[0]!.map((e) => (e.event === 'job:log' ? e.payload.line : e.event))).toEqual(['a0', 'a1', 'a2', 'b0']);
    expect(b.droppedLogLines).toBe(2);
    s.emit('job:log', { id: 'a', ts: 10, stream: 'out', line: 'a10' });
    b.close();
    expect(batches[1]!.map((e) => (e.event === 'job:log' ? e.payload.line : e.event))).toEqual(['a10']);
  });

  it('keeps only the latest system:sample and health:changed of a flush, order otherwise kept', () => {
    const batches: EventBatch[] = [];
    const s = source();
    const b = new EventBatcher(s, (batch) => batches.push(batch), { intervalMs: 10_000 });
    s.emit('system:sample', sample(1));
    s.emit('queue:paused', { queue: 'q' });
    s.emit('system:sample', sample(2));
    s.emit('health:changed', { report: { status: 'healthy', issues: [], checks: {}, checkedAt: 1 }, previous: null });
    s.emit('health:changed', { report: { status: 'degraded', issues: [], checks: {}, checkedAt: 2 }, previous: 'healthy' });
    b.flush();
    expect(batches[0]!.map((e) => e.event)).toEqual(['system:sample', 'queue:paused', 'health:changed']);
    expect((batches[0]![0]!.payload as SystemSample).at).toBe(2);
    expect(batches[0]![2]!.payload).toMatchObject({ report: { status: 'degraded' } });
    s.emit('system:sample', sample(3));
    b.close();
    expect(batches[1]).toHaveLength(1);
  });
});
