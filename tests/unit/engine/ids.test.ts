import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/main/engine/ids';

describe('newId', () => {
  it('is a UUIDv7 whose prefix is the creation time, so ids sort by creation', () => {
    const id = newId(0x0123456789ab);
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ids = [1000, 2000, 3000].map((t) => newId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => newId(5))).size).toBe(1000);
  });

  it('stays well-formed and unique across many refills of its random pool', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newId(1_700_000_000_000 + (i >> 4)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The counter's seed and the random tail are not constant: they spread over the hex digits.
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
    expect(new Set(ids.map((id) => id.slice(-1))).size).toBe(16);
  });

  it('counts up within one millisecond, so that ids of one bulk submit sort (and index) in order', () => {
    const ids = Array.from({ length: 50_000 }, () => newId(1_800_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // A new millisecond starts from a new random seed, and still sorts after the previous one.
    const next = newId(1_800_000_000_001);
    expect(next > ids[ids.length - 1]!).toBe(true);
  });
});
