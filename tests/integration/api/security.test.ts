/**
 * The API's guards on a real server: the bearer token, the Host check (DNS rebinding), foreign
 * Origins, body limits and validation (with no change in the database), 404/405 as JSON,
 * security headers, static files without traversal, and the token file's mode.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs } from '../../helpers/engine';
import { rawRequest, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
let port: number;
let host: string;

beforeAll(async () => {
  h = await startApiHarness({}, { maxBodyBytes: 64 * 1024 });
  port = h.api.port;
  host = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await h?.close();
});

/** Run `request` and check that the database holds as many jobs before as after. */
async function expectNoNewJobs<T>(request: () => Promise<T>): Promise<T> {
  const before = await countJobs(h.engine.manager);
  const result = await request();
  expect(await countJobs(h.engine.manager)).toBe(before);
  return result;
}

describe('the token', () => {
  it('is 43 base64url characters stored with mode 0600 in the data directory', () => {
    expect(h.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const path = join(h.engine.config.dataDir, 'api-token');
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('is required: missing → 401 with WWW-Authenticate', async () => {
    const res = await h.call('GET', '/api/jobs', { auth: false });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('missing bearer token') });
  });

  it('must match: wrong → 401, and a POST with a wrong token changes nothing', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { auth: 'x'.repeat(43), body: { type: 'noop' } }));
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'UNAUTHORIZED', message: 'invalid bearer token' });
  });

  it('is not taken from the query string on ordinary endpoints', async () => {
    expect((await h.call('GET', `/api/jobs?token=${h.token}`, { auth: false })).status).toBe(401);
  });

  it('protects the OpenAPI document and the CSV downloads too', async () => {
    expect((await h.call('GET', '/api/openapi.json', { auth: false })).status).toBe(401);
    expect((await h.call('GET', '/api/export/jobs.csv', { auth: false })).status).toBe(401);
  });
});

describe('Host and Origin', () => {
  it('accepts loopback names with the port', async () => {
    for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
      const res = await rawRequest(port, { path: '/api/stats', headers: { Host: `${name}:${port}`, Authorization: `Bearer ${h.token}` } });
      expect(res.status, name).toBe(200);
    }
  });

  it('rejects a non-loopback Host with 403 (DNS rebinding), even with the token', async () => {
    for (const header of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `192.168.1.10:${port}`]) {
      const res = await rawRequest(port, { path: '/api/stats', headers: { Host: header, Authorization: `Bearer ${h.token}` } });
      expect(res.status, header).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('FORBIDDEN');
    }
    const page = await rawRequest(port, { path: '/', headers: { Host: `evil.example:${port}` } });
    expect(page.status).toBe(403);
  });

  it('rejects a foreign Origin with 403 and sends no CORS headers', async () => {
    const res = await expectNoNewJobs(() =>
      h.call('POST', '/api/jobs', { body: { type: 'noop' }, headers: { Origin: 'http://evil.example' } }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('cross-origin');
    const preflight = await rawRequest(port, { method: 'OPTIONS', path: '/api/jobs', headers: { Host: host, Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(403);
    for (const r of [res.headers, new Headers(preflight.headers as Record<string, string>)]) {
      expect([...r.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('accepts the server’s own Origin (the dashboard page)', async () => {
    const res = await h.call('GET', '/api/stats', { headers: { Origin: `http://${host}` } });
    expect(res.status).toBe(200);
  });
});

describe('bodies and validation (400/413, nothing stored)', () => {
  it('malformed JSON → 400 naming the problem', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { rawBody: '{"type": "noop",' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('request body is not valid JSON') });
  });

  it('a body that is not an object → 400', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { rawBody: '[1,2]' }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('must be a JSON object');
  });

  it('wrong types → 400 naming the field', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { body: { type: 'noop', maxRetries: 'three' } }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
    expect(res.body.error.message).toContain('maxRetries');
    expect(res.body.error.details.issues[0].field).toBe('maxRetries');
  });

  it('unknown fields → 400 naming them', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { body: { type: 'noop', colour: 'blue' } }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('unknown field "colour"');
  });

  it('an unknown job type → 400 UNKNOWN_JOB_TYPE', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { body: { type: 'no-such-type' } }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('UNKNOWN_JOB_TYPE');
  });

  it('a bad query value on a GET → 400 naming the field', async () => {
    const res = await h.call('GET', '/api/jobs?status=bogus');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^invalid input: status/);
  });

  it('query parameters on a POST → 400', async () => {
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs?type=noop', { body: { type: 'noop' } }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('query parameters are not accepted');
  });

  it('a path id that disagrees with the body → 400', async () => {
    const res = await h.call('POST', '/api/jobs/abc/cancel', { body: { id: 'xyz' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('given in the path');
  });

  it('an oversized body (declared) → 413 and nothing stored', async () => {
    const big = JSON.stringify({ type: 'noop', parameters: { blob: 'x'.repeat(100 * 1024) } });
    const res = await expectNoNewJobs(() => h.call('POST', '/api/jobs', { rawBody: big }));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('65536 bytes') });
  });

  it('an oversized body (chunked, no Content-Length) → 413 while streaming', async () => {
    const res = await expectNoNewJobs(() =>
      rawRequest(port, {
        method: 'POST',
        path: '/api/jobs',
        headers: { Host: host, Authorization: `Bearer ${h.token}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        body: JSON.stringify({ type: 'noop', parameters: { blob: 'y'.repeat(200 * 1024) } }),
      }),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('unknown paths and methods', () => {
  it('an unknown /api path → 404 JSON', async () => {
    const res = await h.call('GET', '/api/nothing/here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('a known path with the wrong method → 405 JSON with Allow', async () => {
    const res = await h.call('DELETE', '/api/stats');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(res.body.error.message).toContain('DELETE is not allowed on /api/stats');
    const jobs = await h.call('PUT', '/api/jobs');
    expect(jobs.headers.get('allow')).toBe('GET, POST');
  });

  it('literal routes win over parameters (/api/jobs/bulk/cancel is not job "bulk")', async () => {
    const res = await h.call('POST', '/api/jobs/bulk/cancel', { body: { ids: ['nope'] } });
    expect(res.status).toBe(200);
    expect(res.body.failed[0].id).toBe('nope');
  });
});

describe('security headers and static files', () => {
  it('every response carries the security headers; the page a strict CSP', async () => {
    const api = await h.call('GET', '/api/stats');
    const page = await fetch(`${h.base}/`);
    for (const headers of [api.headers, page.headers]) {
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('x-frame-options')).toBe('DENY');
    }
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('serves the dashboard without the token, with MIME types, and index.html for client routes', async () => {
    const page = await fetch(`${h.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('test dashboard');
    const js = await fetch(`${h.base}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const route = await fetch(`${h.base}/jobs/some-id`);
    expect(await route.text()).toContain('test dashboard');
    expect((await fetch(`${h.base}/assets/missing.js`)).status).toBe(404);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const res = await rawRequest(port, { path, headers: { Host: host } });
      expect(res.body, path).not.toContain('outside the renderer folder');
      expect([400, 404, 200]).toContain(res.status);
    }
  });

  it('answers POST on a page path with 405', async () => {
    const res = await rawRequest(port, { method: 'POST', path: '/', headers: { Host: host } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
