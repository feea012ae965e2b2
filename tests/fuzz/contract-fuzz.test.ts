/**
 * Fuzz of the contract methods (invokeMethod) on a real engine: thousands of hostile inputs get
 * an error envelope with a code (a VALIDATION message names the field), nothing throws, the
 * database and Object.prototype are unchanged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContractHandlers, invokeMethod } from '../../src/main/services/contract-handlers';
import { METHOD_NAMES } from '../../src/shared/contract';
import { startEngine, type TestEngine } from '../helpers/engine';
import { assertNoPrototypePollution, databaseChecksum, fcParams, FUZZ_TIMEOUT, hostileLeaf, hostileValue, isCleanWireError, withOwnKey } from './fuzz-helpers';

let engine: TestEngine;
let handlers: ReturnType<typeof createContractHandlers>;
beforeAll(async () => {
  engine = await startEngine({ start: false });
  handlers = createContractHandlers({ manager: engine.manager, version: 'fuzz' });
  await engine.manager.submitJob({ type: 'noop' }); // a row, so that "unchanged" means something
});
afterAll(async () => engine?.cleanup());

/** Every method except those that act outside the job tables (maintenance, file export, connection test, settings). */
const FUZZED_METHODS = METHOD_NAMES.filter((n) => !['maintenance:run', 'exports:save', 'backend:testConnection', 'settings:update'].includes(n));

/** One field of a valid submission replaced by a hostile value that can never be valid. */
const badSubmission = fc.oneof(
  fc.record({ field: fc.constant('type'), value: fc.oneof(fc.integer(), fc.constant(null), fc.constant(''), fc.string({ unit: 'binary', minLength: 1 }).map((s) => `zz-${s}`)) }),
  fc.record({ field: fc.constant('priority'), value: fc.oneof(fc.integer(), fc.string({ unit: 'binary' }).filter((s) => !['LOW', 'NORMAL', 'HIGH', 'URGENT', 'low', 'normal', 'high', 'urgent'].includes(s))) }),
  fc.record({ field: fc.constant('maxRetries'), value: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(1e12)) }),
  fc.record({ field: fc.constant('timeoutSeconds'), value: fc.oneof(fc.integer({ max: -1 }), fc.string(), fc.constant(Infinity), fc.constant([])) }),
  fc.record({ field: fc.constant('parameters'), value: fc.oneof(fc.integer(), fc.string(), fc.constant('x'.repeat(3_000_000)).map((s) => ({ s }))) }),
  fc.record({ field: fc.constant('queue'), value: fc.oneof(fc.integer(), fc.constant(''), fc.constant('q'.repeat(5000)), fc.constant({})) }),
  fc.record({ field: fc.constantFrom('__proto__', 'constructor', 'prototype', 'unknownField'), value: hostileValue }),
);

describe('contract fuzz', () => {
  it('jobs:submit rejects every hostile submission with a clear error naming the field; nothing is stored', async () => {
    const before = databaseChecksum(engine.config.dbPath);
    await fc.assert(
      fc.asyncProperty(badSubmission, async ({ field, value }) => {
        const input = { type: 'noop', ...withOwnKey(field, 0) };
        Object.defineProperty(input, field, { value, enumerable: true, configurable: true, writable: true });
        const env = await invokeMethod(handlers, 'jobs:submit', input);
        expect(env.ok).toBe(false);
        if (env.ok) return;
        expect(isCleanWireError(env.error)).toBe(true);
        expect(['VALIDATION', 'UNKNOWN_JOB_TYPE', 'PAYLOAD_TOO_LARGE']).toContain(env.error.code);
        const named = field === 'type' || field === 'parameters' ? /type|parameters|payload|\bjob\b/i : new RegExp(field.replace(/_/g, '_?'), 'i');
        if (env.error.code === 'VALIDATION' && !['__proto__', 'constructor', 'prototype'].includes(field)) expect(env.error.message).toMatch(named);
      }),
      fcParams(400),
    );
    assertNoPrototypePollution();
    expect(databaseChecksum(engine.config.dbPath)).toBe(before);
  }, FUZZ_TIMEOUT);

  it('every method answers hostile inputs with an envelope (never a throw, never a stack) and stores nothing', async () => {
    const before = databaseChecksum(engine.config.dbPath, ['metrics_samples', 'engines', 'queues']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FUZZED_METHODS), hostileValue, fc.option(hostileLeaf), async (method, value, idLike) => {
        const inputs = [value, { id: idLike ?? value }, { id: 'j'.repeat(100_000) }, { queue: value }, { ids: [value] }];
        for (const input of inputs) {
          const env = await invokeMethod(handlers, method, input);
          if (!env.ok) expect(isCleanWireError(env.error), JSON.stringify(env.error).slice(0, 300)).toBe(true);
        }
      }),
      fcParams(300),
    );
    assertNoPrototypePollution();
    expect(databaseChecksum(engine.config.dbPath, ['metrics_samples', 'engines', 'queues'])).toBe(before);
  }, FUZZ_TIMEOUT);

  it('an unknown or hostile method name is NOT_FOUND', async () => {
    await fc.assert(
      fc.asyncProperty(hostileValue, async (name) => {
        const env = await invokeMethod(handlers, name, {});
        expect(env.ok).toBe(false);
        if (!env.ok) expect(env.error.code).toBe('NOT_FOUND');
      }),
      fcParams(200),
    );
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);
});
