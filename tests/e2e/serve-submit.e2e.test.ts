/**
 * End to end: `jobhandle serve` as a child process (real engine, real API, the built dashboard)
 * and the system Chromium driven by playwright-core. The page loads without console errors, and
 * from the page's own JavaScript (token from the URL fragment, fetch + WebSocket under the page's
 * CSP) a `command` job is submitted and seen to complete. The dashboard issue replaces the
 * page.evaluate part with clicks in the UI.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.JOBHANDLE_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPING tests/e2e/serve-submit.e2e.test.ts: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`);

/** Build the renderer when it has never been built (electron-vite build: ~3 s). */
function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) return;
  const cli = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  execFileSync(process.execPath, [cli, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
}

/** Start `jobhandle serve --port 0`; resolve with its dashboard URL (the one line it prints). */
function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'jobhandle.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    // Only this test's data dir and settings: no JOBHANDLE_* or JOB_* variables of the caller.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(JOBHANDLE_|JOB_|REDIS_URL$)/.test(k))),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`jobhandle serve printed no URL within 30 s; stderr: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /JobHandle dashboard: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: m[1]!, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`jobhandle serve exited with ${code}: ${err}`));
    });
  });
}

describe.skipIf(!haveChromium)('jobhandle serve in Chromium', () => {
  let dataDir: string;
  let profileDir: string;
  let serve: Awaited<ReturnType<typeof startServe>> | null = null;
  let context: BrowserContext | null = null;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'jobhandle-e2e-'));
    profileDir = mkdtempSync(join(tmpdir(), 'jobhandle-e2e-chromium-'));
    // A busy test machine must not hold jobs back (host monitoring off), one worker is enough.
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ workers: { min: 1, max: 2 }, resources: { monitoring: false, autoScale: false }, shutdownGraceSeconds: 2 }),
    );
    serve = await startServe(dataDir);
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (serve && serve.child.exitCode === null) {
      const exited = new Promise<number | null>((r) => serve!.child.once('exit', (code) => r(code)));
      serve.child.kill('SIGTERM');
      expect(await exited).toBe(0); // graceful stop on SIGTERM
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  });

  it('loads the dashboard without console errors and runs a command job from the page', async () => {
    const page = await context!.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    const response = await page.goto(serve!.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect.poll(() => page.title()).toBe('JobHandle');
    await page.waitForSelector('#root > *', { timeout: 10_000 });

    const token = new URL(serve!.url).hash.replace(/^#token=/, '');
    const outcome = await page.evaluate(
      async ({ fallbackToken, node }) => {
        const location = (globalThis as unknown as { location: { hash: string; host: string } }).location; // the page's
        const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
        const token = fromUrl ?? fallbackToken;
        const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
        // Events over the WebSocket, authenticated by the first message, as the dashboard does.
        const events: Array<{ event: string; payload: { id?: string } }> = [];
        const ws = new WebSocket(`ws://${location.host}/api/events`);
        const subscribed = new Promise<void>((resolve, reject) => {
          ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
          ws.onerror = () => reject(new Error('WebSocket error'));
          ws.onmessage = (m) => {
            events.push(...(JSON.parse(String(m.data)) as typeof events));
            resolve();
          };
        });
        await subscribed;
        const submitted = await fetch('/api/jobs', {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'command', parameters: { argv: [node, '-e', 'console.log("hello from the browser")'] } }),
        });
        const job = (await submitted.json()) as { id: string; status: string };
        let status = job.status;
        for (let i = 0; i < 200 && !['completed', 'failed', 'cancelled'].includes(status); i++) {
          await new Promise((r) => setTimeout(r, 100));
          status = ((await (await fetch(`/api/jobs/${job.id}`, { headers })).json()) as { status: string }).status;
        }
        for (let i = 0; i < 50 && !events.some((e) => e.event === 'job:completed' && e.payload.id === job.id); i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        ws.close();
        const logs = (await (await fetch(`/api/jobs/${job.id}/logs`, { headers })).json()) as Array<{ message?: string; line?: string }>;
        return {
          httpStatus: submitted.status,
          status,
          sawCompletedEvent: events.some((e) => e.event === 'job:completed' && e.payload.id === job.id),
          logs: JSON.stringify(logs),
        };
      },
      { fallbackToken: token, node: process.execPath },
    );
    expect(outcome.httpStatus).toBe(201);
    expect(outcome.status).toBe('completed');
    expect(outcome.sawCompletedEvent).toBe(true);
    expect(outcome.logs).toContain('hello from the browser');
    expect(problems).toEqual([]);
    expect(serve!.stderr()).not.toContain(token); // the token never reaches the server's log
  });
});
