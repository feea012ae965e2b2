/**
 * End to end: `jobhandle serve` as a child process (real engine, real API, the built dashboard)
 * and the system Chromium driven by playwright-core. The page loads without console errors, and
 * from the page's own JavaScript (token from the URL fragment, fetch + WebSocket under the page's
 * CSP) a `command` job is submitted and seen to complete. The dashboard issue replaces the
 * page.evaluate part with clicks in the UI.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openE2eSession, watchProblems, type E2eSession, type Serve } from '../helpers/e2e';

const haveChromium = chromiumAvailable('tests/e2e/serve-submit.e2e.test.ts');

describe.skipIf(!haveChromium)('jobhandle serve in Chromium', () => {
  let session: E2eSession | null = null;
  let serve: Serve | null = null;
  let context: BrowserContext | null = null;

  beforeAll(async () => {
    // A busy test machine must not hold jobs back (host monitoring off), one worker is enough.
    session = await openE2eSession('e2e', { workers: { min: 1, max: 2 }, resources: { monitoring: false, autoScale: false }, shutdownGraceSeconds: 2 });
    ({ serve, context } = session);
  });

  afterAll(async () => {
    if (session) expect(await session.close()).toBe(0); // graceful stop on SIGTERM
  });

  it('loads the dashboard without console errors and runs a command job from the page', async () => {
    const page = await context!.newPage();
    const problems = watchProblems(page);
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
