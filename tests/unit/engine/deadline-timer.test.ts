import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineTimer } from '../../../src/main/engine/dispatcher/deadline-timer';

afterEach(() => vi.useRealTimers());

describe('DeadlineTimer', () => {
  it('fires each key once at its deadline, in order, with one timer', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: string[] = [];
    const t = new DeadlineTimer((k) => fired.push(k), () => Date.now());
    t.set('c', 300);
    t.set('a', 100);
    t.set('b', 200);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(150);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('moves and deletes deadlines', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: string[] = [];
    const t = new DeadlineTimer((k) => fired.push(k), () => Date.now());
    t.set('a', 100);
    t.set('b', 200);
    t.set('a', 500); // moved later
    t.delete('b');
    vi.advanceTimersByTime(300);
    expect(fired).toEqual([]);
    expect(t.has('a')).toBe(true);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual(['a']);
    expect(t.has('a')).toBe(false);
  });

  it('handles many keys', () => {
    vi.useFakeTimers({ now: 0 });
    const fired: number[] = [];
    const t = new DeadlineTimer((k) => fired.push(Number(k)), () => Date.now());
    const order = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    for (const i of order) t.set(String(i), i + 1);
    vi.advanceTimersByTime(2000);
    expect(fired).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('does not keep deleted deadlines: the heap stays proportional to the live ones', () => {
    vi.useFakeTimers({ now: 0 });
    const t = new DeadlineTimer(() => undefined, () => Date.now());
    t.set('keep', 1_000_000);
    for (let i = 0; i < 100_000; i++) {
      t.set(`j${i}`, 259_200_000 + i); // a 3-day timeout, finished long before it
      t.delete(`j${i}`);
    }
    expect(t.heapSize).toBeLessThan(200);
    t.delete('keep');
    expect(t.heapSize).toBe(0);
  });
});
