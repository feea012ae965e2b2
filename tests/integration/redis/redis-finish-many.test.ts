/**
 * jhFinishMany runs BullMQ's own moveToFinished Lua once per job inside one script
 * (redis-scripts.ts, bullMoveFunction). Its helpers are defined once per call when the main part of
 * BullMQ's text is where BullMQ 6 has it; a BullMQ whose text differs falls back to wrapping the
 * whole text, which must still load and define the function. (What the moves do is covered by
 * the backend contract, fetch-next, interop and lost-reply suites.)
 */
import { moveToFinished } from 'bullmq/dist/esm/scripts/moveToFinished-14.js';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { bullMoveFunction } from '../../../src/main/engine/backend/redis/redis-scripts';

const redis = inject('redis');

describe("BullMQ's moveToFinished as a Lua function", () => {
  it("finds the main part of the installed BullMQ's script, so its helpers are defined once per batch", () => {
    const { lua, hoisted } = bullMoveFunction(moveToFinished.content);
    expect(hoisted).toBe(true);
    // Every helper stays ahead of the function; the function holds only the main part.
    const fn = lua.indexOf('local function bullMoveToFinished(KEYS, ARGV)');
    expect(lua.lastIndexOf('local function ', fn - 1)).toBeGreaterThan(0);
    expect(lua.indexOf('local function ', fn + 1)).toBe(-1);
  });

  it.skipIf(!redis.single)('both forms load in Redis and define the function (the fallback wraps the whole text)', async () => {
    const client = new Redis(redis.single!);
    try {
      const unknownLayout = moveToFinished.content.replace(/^local jobIdKey = KEYS\[12\]/m, ' local jobIdKey = KEYS[12]');
      const fallback = bullMoveFunction(unknownLayout);
      expect(fallback.hoisted).toBe(false);
      for (const { lua } of [bullMoveFunction(moveToFinished.content), fallback]) {
        expect(await client.eval(`${lua}\nreturn type(bullMoveToFinished)`, 0)).toBe('function');
      }
    } finally {
      client.disconnect();
    }
  });
});
