/**
 * The CLI on Redis: `--redis` / `--cluster` / `--backend` on every command, and a headless
 * `start-worker --name prod_worker_1 --queue extraction_jobs --redis URL` in a child process.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run-cli';
import { makeTempDir, TEST_HANDLERS, waitUntil } from '../../helpers/engine';
import { removeRedisPrefix, uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const BIN = resolve(__dirname, '../../../bin/jobhandle.mjs');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A data dir whose settings file sets a unique prefix (and the test handlers). */
function setup(): { dir: string; settings: string; prefix: string } {
  const dir = makeTempDir('jobhandle-redis-cli-');
  const prefix = uniqueRedisPrefix();
  const settings = join(dir, 'settings.json');
  writeFileSync(
    settings,
    JSON.stringify({ redis: { prefix }, handlers: TEST_HANDLERS, thresholds: { cpuPercent: 100, memoryPercent: 100 }, workers: { min: 1, max: 1 }, shutdownGraceSeconds: 2 }),
  );
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, settings, prefix };
}

async function cli(dir: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: { JOBHANDLE_DATA_DIR: dir } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.skipIf(!redis.single)('jobhandle CLI with --redis', () => {
  it('runs every command against Redis and a headless start-worker on a named queue', async () => {
    const { dir, settings, prefix } = setup();
    cleanups.push(() => removeRedisPrefix({ url: redis.single!, prefix }));
    const common = ['--redis', redis.single!, '--config', settings];
    const sub = await cli(dir, 'submit', 'noop', '--queue', 'extraction_jobs', '--param', 'n=7', '--json', ...common);
    expect(sub.code, sub.err).toBe(0);
    const job = JSON.parse(sub.out) as { id: string };
    const stats = JSON.parse((await cli(dir, 'stats', '--json', ...common)).out);
    expect(stats).toMatchObject({ backend: 'redis', counts: { pending: 1 } });

    const worker = spawn(
      process.execPath,
      [BIN, 'start-worker', '--name', 'prod_worker_1', '--queue', 'extraction_jobs', ...common],
      { env: { ...process.env, JOBHANDLE_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    worker.stdout.on('data', (d) => (output += String(d)));
    worker.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    cleanups.push(() => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    });
    await waitUntil(
      async () => JSON.parse((await cli(dir, 'show', job.id, '--json', ...common)).out).job.status === 'completed',
      `job to complete (worker output: ${output})`,
      30_000,
      200,
    );
    const shown = JSON.parse((await cli(dir, 'show', job.id, '--json', ...common)).out).job;
    expect(shown).toMatchObject({ queue: 'extraction_jobs', result: { ok: true, n: 7 } });
    expect(shown.worker).toMatch(/^prod_worker_1/);
    expect(output).toMatch(/running on redis/);
    worker.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('rejects bad store options with a usage error naming the option', async () => {
    const { dir } = setup();
    expect(await cli(dir, 'stats', '--redis', 'http://x')).toMatchObject({ code: 2, err: expect.stringMatching(/--redis "http:\/\/x": expected a redis:\/\//) });
    expect(await cli(dir, 'stats', '--cluster', 'a:1,b')).toMatchObject({ code: 2, err: expect.stringMatching(/"b" is not host:port/) });
    expect(await cli(dir, 'stats', '--backend', 'mongo')).toMatchObject({ code: 2, err: expect.stringMatching(/--backend "mongo"/) });
    const sqlite = await cli(dir, 'stats', '--json', '--backend', 'sqlite', '--redis', redis.single!);
    expect(JSON.parse(sqlite.out).backend).toBe('sqlite');
  });
});

describe.skipIf(!redis.cluster)('jobhandle CLI with --cluster', () => {
  it('submits to and reads from a Redis Cluster', async () => {
    const { dir, settings, prefix } = setup();
    cleanups.push(() => removeRedisPrefix({ cluster: redis.cluster!, prefix }));
    const common = ['--cluster', redis.cluster!.join(','), '--config', settings];
    const sub = await cli(dir, 'submit', 'noop', '--json', ...common);
    expect(sub.code, sub.err).toBe(0);
    const stats = JSON.parse((await cli(dir, 'stats', '--json', ...common)).out);
    expect(stats).toMatchObject({ backend: 'redis', counts: { pending: 1 } });
  });
});
