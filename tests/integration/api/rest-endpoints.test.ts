/**
 * The REST endpoints on a real server and engine: the job family, the original
 * /api/extraction/ endpoints, health's status codes, the OpenAPI document, CSV downloads, and
 * every contract method reached through its route by the HTTP client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, METHOD_NAMES, CSV_EXPORTS } from '../../../src/shared/contract';
import { AppError } from '../../../src/shared/errors';
import { waitUntil } from '../../helpers/engine';
import { startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
let textDir: string;

beforeAll(async () => {
  h = await startApiHarness();
  textDir = mkdtempSync(join(tmpdir(), 'jobhandle-api-text-'));
  writeFileSync(join(textDir, 'notes.md'), 'Hello world, hello JobHandle.\nWrite to someone@example.com or see https://example.com/docs.\n');
});

afterAll(async () => {
  await h?.close();
  rmSync(textDir, { recursive: true, force: true });
});

async function waitForStatus(id: string, statuses: string[]): Promise<{ id: string; status: string }> {
  return waitUntil(async () => {
    const res = await h.call('GET', `/api/jobs/${id}`);
    return statuses.includes(res.body.status) ? res.body : null;
  }, `job ${id} to become ${statuses.join('/')}`);
}

describe('the job endpoints', () => {
  it('submits (201), gets, lists with filters, and reads logs and attempts of a job', async () => {
    const submitted = await h.call('POST', '/api/jobs', { body: { type: 'command', parameters: { argv: [process.execPath, '-e', 'console.log("hi from api")'] }, queue: 'api-tests' } });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ type: 'command', queue: 'api-tests', status: 'pending' });
    const done = await waitForStatus(submitted.body.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');

    const listed = await h.call('GET', '/api/jobs?queue=api-tests&status=completed&status=failed&limit=5');
    expect(listed.status).toBe(200);
    expect(listed.body.jobs.map((j: { id: string }) => j.id)).toContain(submitted.body.id);

    const logs = await h.call('GET', `/api/jobs/${submitted.body.id}/logs?afterSeq=0&limit=100`);
    expect(logs.status).toBe(200);
    expect(JSON.stringify(logs.body)).toContain('hi from api');

    const attempts = await h.call('GET', `/api/jobs/${submitted.body.id}/attempts`);
    expect(attempts.status).toBe(200);
    expect(Array.isArray(attempts.body)).toBe(true);
  });

  it('bulk-submits, bulk-cancels and bulk-restarts', async () => {
    const future = Date.now() + 3_600_000;
    const bulk = await h.call('POST', '/api/jobs/bulk', { body: { jobs: [{ type: 'noop', runAt: future }, { type: 'noop', runAt: future }] } });
    expect(bulk.status).toBe(201);
    const ids = bulk.body.map((j: { id: string }) => j.id);
    const cancelled = await h.call('POST', '/api/jobs/bulk/cancel', { body: { ids } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ done: ids, failed: [] });
    const restarted = await h.call('POST', '/api/jobs/bulk/restart', { body: { ids: [...ids, 'no-such-job'] } });
    expect(restarted.body.done).toEqual(ids);
    expect(restarted.body.failed).toEqual([{ id: 'no-such-job', error: expect.objectContaining({ code: 'NOT_FOUND' }) }]);
  });

  it('cancels a waiting job with a reason, and restarts it', async () => {
    const job = await h.client.api['jobs:submit']({ type: 'noop', runAt: Date.now() + 3_600_000 });
    const cancelled = await h.call('POST', `/api/jobs/${job.id}/cancel`, { body: { reason: 'not needed' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const restarted = await h.call('POST', `/api/jobs/${job.id}/restart`);
    expect(restarted.status).toBe(200);
    expect(['pending', 'scheduled']).toContain(restarted.body.status);
  });

  it('answers a missing job with 404 and its code', async () => {
    const res = await h.call('GET', '/api/jobs/no-such-job');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('no-such-job') } });
  });

  it('pauses and resumes a queue; stats, workers, system and cleanup answer', async () => {
    expect((await h.call('POST', '/api/queues/api-paused/pause')).body).toEqual({ queue: 'api-paused', paused: true });
    expect((await h.call('GET', '/api/stats')).body.pausedQueues).toContain('api-paused');
    expect((await h.call('POST', '/api/queues/api-paused/resume')).body).toEqual({ queue: 'api-paused', paused: false });
    expect((await h.call('GET', '/api/workers')).body.length).toBeGreaterThanOrEqual(1);
    const system = await h.call('GET', '/api/system');
    expect(system.body).toMatchObject({ backend: 'sqlite', engineRunning: true });
    expect(system.body.jobTypes).toContain('extraction');
    expect((await h.call('POST', '/api/maintenance/cleanup', { body: { daysOld: 3650 } })).body).toEqual({ removed: 0 });
  });

  it('GET query values that look like numbers are still accepted as text where the schema wants text', async () => {
    const res = await h.call('GET', '/api/jobs?text=12345&limit=3');
    expect(res.status).toBe(200);
    expect(res.body.jobs).toEqual([]);
  });
});

describe('the original /api/extraction/ endpoints', () => {
  it('POST /api/extraction/ submits and answers {job_id, status}; GET shows the completed job with job_id', async () => {
    const res = await h.call('POST', '/api/extraction/', { body: { parameters: { path: textDir }, priority: 'HIGH' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ job_id: expect.any(String), status: 'pending' });
    const jobId = res.body.job_id as string;
    const done = await waitUntil(async () => {
      const r = await h.call('GET', `/api/extraction/${jobId}`);
      return ['completed', 'failed'].includes(r.body.status) ? r : null;
    }, 'the extraction job to finish');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ job_id: jobId, id: jobId, type: 'extraction', priority: 'HIGH', status: 'completed', progress: 100 });
    expect(done.body.result).toMatchObject({ files: 1, emails: ['someone@example.com'] });
  });

  it('DELETE /api/extraction/{job_id} cancels', async () => {
    const { job_id: jobId } = await h.client.api['extraction:submit']({ parameters: { path: textDir }, schedule: { scheduledTime: new Date(Date.now() + 3_600_000).toISOString() } });
    const res = await h.call('DELETE', `/api/extraction/${jobId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ job_id: jobId, status: 'cancelled' });
  });

  it('POST /api/extraction/{job_id}/restart runs a failed job again', async () => {
    const missing = join(textDir, 'no-such-folder');
    const { body } = await h.call('POST', '/api/extraction', { body: { parameters: { path: missing } } });
    const failed = await waitUntil(async () => {
      const r = await h.call('GET', `/api/extraction/${body.job_id}`);
      return r.body.status === 'failed' ? r.body : null;
    }, 'the extraction job to fail');
    expect(failed.error.message).toContain('no such file or directory');
    const restarted = await h.call('POST', `/api/extraction/${body.job_id}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ job_id: body.job_id });
    expect(['pending', 'running', 'failed']).toContain(restarted.body.status);
    expect((await h.call('GET', `/api/extraction/${body.job_id}/attempts`)).status).toBe(404);
  });

  it('restarting a job that is not failed or cancelled is a 409', async () => {
    const job = await h.client.api['jobs:submit']({ type: 'noop', runAt: Date.now() + 3_600_000 });
    const res = await h.call('POST', `/api/extraction/${job.id}/restart`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });
});

describe('health', () => {
  it('answers 200 with the report when healthy or degraded', async () => {
    const res = await h.call('GET', '/api/health');
    expect(['healthy', 'degraded']).toContain(res.body.status);
    expect(res.status).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('lists every contract route with its method, and the original endpoints', async () => {
    const res = await h.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const name of METHOD_NAMES) {
      const { method, path } = CONTRACT[name].http;
      const op = res.body.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      expect(op, `${method} ${path} (${name})`).toBeDefined();
      expect(op['x-contract-method']).toBe(name);
    }
    expect(res.body.paths['/api/extraction/{job_id}'].delete['x-contract-method']).toBe('jobs:cancel');
    expect(res.body.paths['/api/jobs/{id}/cancel'].post.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(res.body.paths['/api/jobs'].post.requestBody.content['application/json'].schema.required).toContain('type');
  });
});

describe('CSV downloads', () => {
  it('streams every export of CSV_EXPORTS as an attachment', async () => {
    for (const spec of Object.values(CSV_EXPORTS)) {
      const res = await fetch(`${h.base}${spec.path}`, { headers: { Authorization: `Bearer ${h.token}` } });
      expect(res.status, spec.path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${spec.filename}"`);
      const text = await res.text();
      expect(text.split('\n')[0]!.length).toBeGreaterThan(0); // the header row
    }
  });

  it('answers a bad query with 400 naming the field, before any CSV', async () => {
    const res = await h.call('GET', `${CSV_EXPORTS.jobs.path}?status=bogus`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(res.body.error.message).toContain('status');
  });
});

describe('every contract method through its route', () => {
  it('reaches its handler (the input passes validation; a missing object is a domain 404, not a route 404)', async () => {
    // Known values for commonly required fields; methods needing more are covered above or skipped.
    const job = await h.client.api['jobs:submit']({ type: 'noop', runAt: Date.now() + 3_600_000 });
    const known: Record<string, unknown> = { id: job.id, ids: [job.id], queue: 'generic-queue', daysOld: 3650 };
    const reached: string[] = [];
    const skipped: string[] = [];
    for (const name of METHOD_NAMES) {
      const schema = CONTRACT[name].input as unknown as { shape?: Record<string, { isOptional(): boolean }> };
      const required = Object.entries(schema.shape ?? {}).filter(([, field]) => !field.isOptional()).map(([key]) => key);
      const input = Object.fromEntries(required.filter((k) => k in known).map((k) => [k, known[k]]));
      // Only inputs built from the known values that the method's schema accepts; submits are covered above.
      if (!CONTRACT[name].input.safeParse(input).success || name === 'jobs:submit' || name === 'jobs:submitBulk') {
        skipped.push(name);
        continue;
      }
      try {
        await h.client.invoke(name, input);
      } catch (err) {
        const e = err as AppError;
        expect(e).toBeInstanceOf(AppError);
        // The handler ran and refused (a missing object, a state, its own deeper checks): not the transport.
        expect(['NOT_FOUND', 'CONFLICT', 'VALIDATION'], `${name}: ${e.code} ${e.message}`).toContain(e.code);
        expect(e.message, name).not.toMatch(/^invalid input:|no API endpoint/);
      }
      reached.push(name);
    }
    expect(reached).toEqual(expect.arrayContaining(['jobs:get', 'jobs:list', 'stats:get', 'health:get', 'system:info', 'jobs:cancel']));
    expect(reached.length + skipped.length).toBe(METHOD_NAMES.length);
  });
});
