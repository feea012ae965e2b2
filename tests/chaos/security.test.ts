/**
 * Security checks not covered by tests/integration/api/security.test.ts (which covers the token,
 * simple foreign Hosts/Origins, body limits, static files): DNS-rebinding Host variants, the
 * token in the query string of every REST GET route, more browser Origins, the `command` handler
 * passing shell metacharacters literally (end to end through the engine), and the Electron
 * security lint (Electronegativity) over src/main and the built out/ with no high-severity
 * finding. The CSV export's formula escaping is covered in the analytics tests
 * (tests/unit/analytics, csv-export) and not repeated here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, METHOD_NAMES } from '../../src/shared/contract';
import { countJobs } from '../helpers/engine';
import { rawRequest, REPO_ROOT, startApiHarness, type ApiHarness } from '../integration/api/api-harness';

let h: ApiHarness;
let port: number;

beforeAll(async () => {
  h = await startApiHarness();
  port = h.api.port;
});
afterAll(async () => h?.close());

describe('DNS rebinding: Host variants', () => {
  it('refuses every Host that is not a loopback name of this port, even with the token', async () => {
    const hosts = [
      `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `evil.example.:${port}`, `localhost:${port + 1}`,
      `[::1]:${port + 1}`, `0.0.0.0:${port}`, `169.254.169.254:${port}`, `10.0.0.1:${port}`, `evil@127.0.0.1:${port}`,
      `127.0.0.1:${port}@evil.example`, `127.0.0.1:${port}.evil.example`, `xn--80ak6aa92e.com:${port}`, `127.0.0.1:${port}, evil.example`,
    ];
    for (const host of hosts) {
      const res = await rawRequest(port, { path: '/api/stats', headers: { Host: host, Authorization: `Bearer ${h.token}` } }).catch(() => ({ status: 400, body: '' }));
      expect(res.status, host).toBeGreaterThanOrEqual(400);
      expect(res.status, host).toBeLessThan(500);
    }
  });

  it('refuses a request without a Host header', async () => {
    const res = await rawRequest(port, { path: '/api/stats', headers: { Authorization: `Bearer ${h.token}` } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('the token is never taken from the query string', () => {
  it('every GET route answers 401 with ?token=, ?access_token= or ?api_key= and no header', async () => {
    const gets = METHOD_NAMES.map((n) => CONTRACT[n].http).filter((r) => r.method === 'GET');
    expect(gets.length).toBeGreaterThan(5);
    for (const route of gets) {
      const path = route.path.replace(/:[a-z]+/g, 'x');
      for (const name of ['token', 'access_token', 'api_key']) {
        const res = await h.call('GET', `${path}?${name}=${h.token}`, { auth: false });
        expect(res.status, `${path}?${name}`).toBe(401);
      }
    }
  });

  it('a POST with the token only in the query string stores nothing', async () => {
    const before = await countJobs(h.engine.manager);
    const res = await h.call('POST', `/api/jobs?token=${h.token}`, { auth: false, body: { type: 'noop' } });
    expect(res.status).toBe(401);
    expect(await countJobs(h.engine.manager)).toBe(before);
  });
});

describe('browser origins', () => {
  it('refuses state-changing requests from other origins, the opaque origin and look-alikes', async () => {
    const before = await countJobs(h.engine.manager);
    for (const origin of ['null', `http://127.0.0.1:${port + 1}`, `http://localhost.evil.example:${port}`, `https://127.0.0.1:${port}`, 'file://', 'chrome-extension://abc']) {
      const res = await h.call('POST', '/api/jobs', { body: { type: 'noop' }, headers: { Origin: origin } });
      expect(res.status, origin).toBe(403);
    }
    expect(await countJobs(h.engine.manager)).toBe(before);
  });
});

describe('the command handler and the shell', () => {
  it('passes shell metacharacters literally unless the job asks for a shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobhandle-shell-'));
    try {
      const canary = join(dir, 'pwned');
      const args = [
        `; touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``, `| touch ${canary}`, `&& touch ${canary}`,
        `> ${canary}`, '$HOME', '*', '~', "'quoted'", '"dq"', '\\', 'a\nb', `$((1+1))`, '#comment', '!!', '%PATH%',
      ];
      const job = await h.engine.manager.submitJob({ type: 'command', parameters: { argv: [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args] } });
      const done = await h.engine.manager.waitForJob(job.id, 20_000);
      expect(done.status).toBe('completed');
      const out = (done.result as { stdoutTail: string[] }).stdoutTail.join('\n');
      expect(JSON.parse(out)).toEqual(args);
      expect(existsSync(canary)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Electron security lint (Electronegativity)', () => {
  const bin = resolve(REPO_ROOT, 'node_modules/.bin/electronegativity');
  const targets = [join(REPO_ROOT, 'src/main'), join(REPO_ROOT, 'out/main')].filter((p) => existsSync(p));

  it.skipIf(!existsSync(bin))('finds no high-severity issue in src/main and the built out/main', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobhandle-eneg-'));
    try {
      for (const target of targets) {
        const csv = join(dir, `${target.endsWith('out/main') ? 'out' : 'src'}.csv`);
        // -e: the Electron version in package.json (offline: no release lookup needed).
        const r = spawnSync(bin, ['-i', target, '-e', '45.5.0', '-o', csv, '-r', '-v', 'false'], { encoding: 'utf8', timeout: 120_000 });
        expect(existsSync(csv), `${target}: ${r.stderr}`).toBe(true);
        const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
        const severe = rows.filter((row) => /^[A-Z_]+,"(HIGH|CRITICAL)"/.test(row));
        expect(severe, `${target}:\n${severe.join('\n')}`).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
