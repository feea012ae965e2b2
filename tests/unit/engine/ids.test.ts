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
});
