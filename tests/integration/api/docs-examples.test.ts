/**
 * docs/api.md stays true: its curl examples run as written (with 7878 replaced by the test
 * server's port) against a real server, and its endpoint table lists every contract route.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRoutes } from '../../../src/main/api/api-routes';
import { REPO_ROOT, startApiHarness, type ApiHarness } from './api-harness';

const run = promisify(execFile);
const DOC = readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8');

function haveCurl(): boolean {
  return spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Every `curl` line of the ```sh blocks, except streams (-N) that never end. */
function curlExamples(): string[] {
  const blocks = [...DOC.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).filter((line) => line.startsWith('curl ') && !/\s-N\s/.test(line));
}

const curlPresent = haveCurl();
if (!curlPresent) console.warn('SKIPPING the curl examples of docs/api.md: no curl on this machine');

describe('docs/api.md', () => {
  let h: ApiHarness;
  let cwd: string;

  beforeAll(async () => {
    h = await startApiHarness();
    cwd = mkdtempSync(join(tmpdir(), 'jobhandle-docs-curl-'));
  });

  afterAll(async () => {
    await h?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('lists every route in its endpoint table', () => {
    const missing = buildRoutes()
      .map((r) => `\`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}\``)
      .filter((route) => !DOC.includes(`| ${route} |`));
    expect(missing, 'add these rows to the table in docs/api.md (see GET /api/openapi.json)').toEqual([]);
  });

  it.skipIf(!curlPresent)('runs its curl examples as written', async () => {
    const job = await h.client.api['jobs:submit']({ type: 'extraction', parameters: {}, runAt: Date.now() + 3_600_000 });
    const examples = curlExamples();
    expect(examples.length).toBeGreaterThanOrEqual(15);
    for (const example of examples) {
      const command = `${example.replaceAll('127.0.0.1:7878', `127.0.0.1:${h.api.port}`)} -w '\\nHTTPSTATUS %{http_code}'`;
      // Asynchronously: the server runs in this process.
      const { stdout: output } = await run('bash', ['-c', command], { cwd, env: { PATH: process.env.PATH, TOKEN: h.token, JOB_ID: job.id }, encoding: 'utf8', timeout: 20_000 });
      const status = Number(/HTTPSTATUS (\d+)\s*$/.exec(output)?.[1]);
      // 409: an example that depends on the job's state (cancel a job the previous example restarted…).
      expect([200, 201, 409], `${example}\n${output.slice(0, 500)}`).toContain(status);
      const body = output.replace(/\n?HTTPSTATUS \d+\s*$/, '').replace(/\nHTTP \d+\s*$/, '');
      if (!example.includes('-OJ')) expect(() => JSON.parse(body), example).not.toThrow();
    }
    expect(readdirSync(cwd)).toContain('jobs.csv'); // the -OJ download, named by the server
    // 15+ curl runs, each with its own 20 s limit: ~35 s on a loaded 2-core machine.
  }, 120_000);
});
