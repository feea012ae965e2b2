/**
 * Fuzz of the REST endpoints on a real server (127.0.0.1, port 0): hostile bodies (wrong types,
 * deep nesting, prototype keys, unicode edges, bytes that are not UTF-8 or not JSON), hostile
 * path segments and query strings. Every answer is JSON with a known error code and no stack;
 * the server stays up; no job, schedule or dependency is stored; Object.prototype stays clean.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, METHOD_NAMES } from '../../src/shared/contract';
import { ERROR_CODES } from '../../src/shared/errors';
import { rawRequest, startApiHarness, type ApiHarness } from '../integration/api/api-harness';
import { assertNoPrototypePollution, databaseChecksum, deepJsonText, fcParams, FUZZ_TIMEOUT, hostileLeaf, hostileValue, NASTY_STRINGS } from './fuzz-helpers';

let h: ApiHarness;
const JOB_TABLES_ONLY = ['metrics_samples', 'engines', 'queues', 'rate_pools', 'settings', 'schema_migrations'];
const SKIP = new Set(['maintenance:run', 'exports:save', 'backend:testConnection', 'settings:update', 'workers:scale', 'workers:autoscale', 'pools:set']);
const ROUTES = METHOD_NAMES.filter((n) => !SKIP.has(n)).map((n) => CONTRACT[n].http);

beforeAll(async () => {
  h = await startApiHarness({}, { maxBodyBytes: 256 * 1024 });
  const job = await h.engine.manager.submitJob({ type: 'noop' });
  await h.engine.manager.waitForJob(job.id, 20_000); // settled: the engine writes nothing more
});
afterAll(async () => h?.close());

/** encodeURIComponent that survives lone surrogates (sent as the raw bytes a client might send). */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function checkAnswer(status: number, text: string, what: string): void {
  expect(status, what).toBeLessThan(500);
  if (status < 400) return;
  let body: { error?: { code?: string; message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${what}: ${status} answer is not JSON: ${text.slice(0, 200)}`);
  }
  expect((ERROR_CODES as readonly string[]).includes(String(body.error?.code)), `${what}: ${text.slice(0, 200)}`).toBe(true);
  expect(body.error?.message ?? '', what).not.toMatch(/\n\s+at /);
}

const segment = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS.map((s) => s.slice(0, 200)), '..', '%2e%2e', '%00', '%ff', '%', '%E2%80%AE', '__proto__', 'constructor'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const body = fc.oneof(
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  fc.integer({ min: 1000, max: 100_000 }).map((d) => deepJsonText(d)),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constant('{"type":"noop","parameters":{"__proto__":{"polluted":1}},"constructor":{"prototype":{"polluted":1}}}'),
  fc.constant(`{"type":"noop","parameters":{"s":"${'x'.repeat(300 * 1024)}"}}`),
);

describe('REST fuzz', () => {
  it('hostile bodies, path segments and queries get a JSON error with a code; nothing is stored', async () => {
    const port = h.api.port;
    const before = databaseChecksum(h.engine.config.dbPath, JOB_TABLES_ONLY);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), segment, body, fc.option(fc.tuple(segment, hostileLeaf)), async (route, seg, payload, query) => {
        const path =
          route.path.replace(/:[a-z]+/gi, enc(seg) || 'x') +
          (query ? `?${enc(query[0]) || 'q'}=${enc(String(query[1]))}` : '');
        const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${h.token}` };
        const send = route.method !== 'GET' && route.method !== 'DELETE';
        if (send) headers['Content-Type'] = 'application/json';
        const res = await rawRequest(port, { method: route.method, path, headers, ...(send ? { body: payload } : {}) });
        checkAnswer(res.status, res.body, `${route.method} ${path.slice(0, 80)}`);
        if (process.env.FUZZ_DEBUG && databaseChecksum(h.engine.config.dbPath, JOB_TABLES_ONLY) !== before) {
          throw new Error(`changed by ${route.method} ${path} ${String(payload).slice(0, 300)} → ${res.status} ${res.body.slice(0, 300)}`);
        }
      }),
      fcParams(400),
    );
    assertNoPrototypePollution();
    expect(databaseChecksum(h.engine.config.dbPath, JOB_TABLES_ONLY)).toBe(before);
    const alive = await h.call('GET', '/api/stats');
    expect(alive.status).toBe(200);
  }, FUZZ_TIMEOUT);

  it('a hostile job submission is a 4xx naming the problem, never stored', async () => {
    const before = await h.engine.manager.getQueueStats();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('priority', 'maxRetries', 'timeoutSeconds', 'queue', 'parameters', 'dependsOn', 'limits'), hostileValue, async (field, value) => {
        const res = await h.call('POST', '/api/jobs', { rawBody: `{"type":"zz-not-a-type","${field}":${JSON.stringify(value) ?? 'null'}}` });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body.error.message.length).toBeGreaterThan(3);
      }),
      fcParams(300),
    );
    expect((await h.engine.manager.getQueueStats()).total).toBe(before.total);
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);
});
