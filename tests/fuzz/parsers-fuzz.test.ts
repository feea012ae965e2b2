/**
 * Fuzz of the pure input edges: the settings file (loadConfig on generated JSON), cron
 * expressions (the scheduler's definition parser) and handler module results (toJsonResult).
 * Each bad input gets an AppError/PermanentError with a code naming the field; nothing else is
 * thrown, and Object.prototype stays clean.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/engine/config';
import { toJsonResult } from '../../src/main/engine/handlers/result-guard';
import { PermanentError } from '../../src/main/engine/handlers/handler-types';
import { parseScheduleDefinition } from '../../src/main/engine/scheduler/schedule-definition';
import { AppError } from '../../src/shared/errors';
import { assertNoPrototypePollution, deepJsonText, fcParams, FUZZ_TIMEOUT, hostileLeaf, hostileValue, nested, PROTO_KEYS, withOwnKey } from './fuzz-helpers';

const dir = mkdtempSync(join(tmpdir(), 'jobhandle-fuzz-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETTINGS_FIELDS = ['workers', 'jobs', 'thresholds', 'redis', 'backend', 'handlers', 'retention', 'resources', 'pools', 'dbPath', 'cancelGraceSeconds'];

describe('settings file fuzz', () => {
  it('a hostile settings file is a CONFIG error naming the file or the field, never a crash', () => {
    const settings = fc.oneof(
      fc.record({ key: fc.constantFrom(...SETTINGS_FIELDS), value: hostileValue }).map(({ key, value }) => JSON.stringify(withOwnKey(key, value))),
      fc.record({ outer: fc.constantFrom('workers', 'jobs', 'thresholds', 'redis'), inner: fc.constantFrom('min', 'max', 'concurrency', 'maxRetries', 'cpuPercent', 'url', ...PROTO_KEYS), value: hostileLeaf })
        .map(({ outer, inner, value }) => JSON.stringify(withOwnKey(outer, withOwnKey(inner, value)))),
      hostileValue.map((v) => JSON.stringify(v) ?? 'undefined'),
      fc.string({ unit: 'binary', maxLength: 200 }), // not JSON at all
      fc.integer({ min: 1000, max: 200_000 }).map((d) => `{"jobs": ${deepJsonText(d)}}`),
      fc.constant(`{"jobs": {"maxRetries": 1}, "pad": "${'x'.repeat(2_000_000)}"}`),
    );
    let n = 0;
    fc.assert(
      fc.property(settings, (text) => {
        const path = join(dir, `s-${n++ % 8}.json`);
        writeFileSync(path, text);
        try {
          const config = loadConfig({ env: { JOBHANDLE_DATA_DIR: dir }, settingsPath: path });
          expect(config.workers.min).toBeTypeOf('number'); // a valid file: a full config
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('CONFIG');
          expect((err as AppError).message.length).toBeGreaterThan(10);
          expect((err as AppError).message).not.toMatch(/\n\s+at /);
        }
      }),
      fcParams(500),
    );
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);
});

const CRON_TOKENS = ['*', '*/0', '*/1', '0', '59', '60', '-1', '1-', '5-1', 'L', 'W', '#', '?', '1,,2', 'MON', 'FOO', '1/0', '99999999999999999999', '\u0000', '\uD800', '٣', '*/-5'];

describe('cron expression fuzz', () => {
  it('an invalid cron expression is a VALIDATION error naming cronExpression', () => {
    const expr = fc.oneof(
      fc.array(fc.oneof(fc.constantFrom(...CRON_TOKENS), fc.string({ unit: 'binary', maxLength: 6 })), { minLength: 0, maxLength: 8 }).map((t) => t.join(' ')),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constant('* '.repeat(10_000)),
      hostileLeaf,
    );
    fc.assert(
      fc.property(expr, (cronExpression) => {
        try {
          const def = parseScheduleDefinition({ type: 'noop', cronExpression });
          expect(typeof def.cronExpression).toBe('string'); // a valid one (e.g. "* * * * *") parses
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('VALIDATION');
          expect((err as AppError).message).toMatch(/cronExpression/);
        }
      }),
      fcParams(1500),
    );
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);

  it('a hostile schedule definition is a VALIDATION error, prototype keys included', () => {
    const def = fc.record({ field: fc.constantFrom('intervalSeconds', 'scheduledTime', 'timezone', 'misfirePolicy', 'maxRuns', 'parameters', 'type', ...PROTO_KEYS), value: hostileValue });
    fc.assert(
      fc.property(def, ({ field, value }) => {
        const input = { type: 'noop', intervalSeconds: 60, ...withOwnKey(field, value) };
        try {
          parseScheduleDefinition(input);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('VALIDATION');
        }
      }),
      fcParams(800),
    );
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);
});

describe('handler result fuzz', () => {
  const bad = fc.oneof(
    fc.constantFrom(() => 1, Symbol('s'), 10n, new Map([[1, 2]]), new Set([1])),
    fc.constant(null).map(() => {
      const a: Record<string, unknown> = { x: 1 };
      a.self = a;
      return a;
    }),
    fc.record({ key: fc.string({ maxLength: 5 }), inner: fc.constantFrom(() => 1, 10n, Symbol('t')) }).map(({ key, inner }) => ({ ok: 1, nested: { [key || 'k']: [inner] } })),
    fc.constant({ big: 'x'.repeat(1024 * 1024 + 10) }),
  );

  it('a very deep result is stored or refused with a PermanentError, never a stack overflow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 200_000 }), (depth) => {
        try {
          expect(toJsonResult(nested(depth))).toBeTypeOf('object');
        } catch (err) {
          expect(err).toBeInstanceOf(PermanentError);
        }
      }),
      fcParams(30),
    );
  }, FUZZ_TIMEOUT);

  it('regression: a result just shallow enough to stringify but too deep to revive is a PermanentError', () => {
    // Found by the FUZZ_RUNS=5000 run (depth 2676): JSON.parse's reviver overflowed the stack
    // after JSON.stringify had succeeded, and a RangeError (a transient, retried failure)
    // escaped. Probe the stack's limit here, then sweep the depths just below it.
    let lo = 100;
    let hi = 200_000;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      try {
        JSON.stringify(nested(mid), (_key, value: unknown) => value); // with a replacer, as toJsonResult
        lo = mid;
      } catch {
        hi = mid;
      }
    }
    for (let depth = Math.max(100, lo - 500); depth <= lo + 50; depth++) {
      try {
        toJsonResult(nested(depth));
      } catch (err) {
        expect(err, `depth ${depth}`).toBeInstanceOf(PermanentError);
      }
    }
  }, FUZZ_TIMEOUT);

  it('a non-JSON or oversized result is a PermanentError naming the path or the size', () => {
    fc.assert(
      fc.property(bad, (value) => {
        expect(() => toJsonResult(value)).toThrow(PermanentError);
      }),
      fcParams(500),
    );
  }, FUZZ_TIMEOUT);

  it('any JSON-like result comes back as plain JSON without prototype keys; deep nesting is a clean error', () => {
    fc.assert(
      fc.property(hostileValue, (value) => {
        let out: unknown;
        try {
          out = toJsonResult(value);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(PermanentError);
          return;
        }
        const text = JSON.stringify(out) ?? 'null';
        for (const k of PROTO_KEYS) expect(text.includes(`"${k}":`), text.slice(0, 200)).toBe(false);
      }),
      fcParams(1500),
    );
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);
});
