/**
 * The `jobhandle` CLI end to end: in-process through runCli (fast) for the commands, and once
 * through the real bin script in a child process for exit codes and the `--wait` flow.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../../../src/main/cli/run-cli';

let dir: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobhandle-cli-'));
  db = join(dir, 'jobs.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--db', db], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { JOBHANDLE_DATA_DIR: dir },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('jobhandle CLI', () => {
  it('submits without a running engine, lists, shows, cancels and restarts', async () => {
    const sub = await cli('submit', 'command', '--param', 'argv=["echo","hi"]', '--priority', 'high', '--json');
    expect(sub.code).toBe(0);
    const job = JSON.parse(sub.out) as { id: string; status: string; priority: string; parameters: unknown };
    expect(job).toMatchObject({ status: 'pending', priority: 'HIGH', parameters: { argv: ['echo', 'hi'] } });

    const list = await cli('list', '--status', 'pending', '--json');
    expect(JSON.parse(list.out).jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect((await cli('list')).out).toContain(job.id);

    const show = await cli('show', job.id, '--json');
    expect(JSON.parse(show.out).job.id).toBe(job.id);

    const cancel = await cli('cancel', job.id, '--json');
    expect(JSON.parse(cancel.out).status).toBe('cancelled');
    expect((await cli('cancel', job.id)).code).toBe(2); // already finished: CONFLICT

    const restart = await cli('restart', job.id, '--json');
    expect(JSON.parse(restart.out).status).toBe('pending');

    const stats = JSON.parse((await cli('stats', '--json')).out);
    expect(stats.counts.pending).toBe(1);
    expect(stats.backend).toBe('sqlite');
  });

  it('submits a JSONL file all or nothing, naming the bad line', async () => {
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, ['{"type":"command","parameters":{"argv":["true"]}}', '# comment', '', '{"type":"http","parameters":{"url":"http://127.0.0.1:9/"}}'].join('\n'));
    const ok = await cli('submit', '--file', good, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toHaveLength(2);

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, ['{"type":"command","parameters":{"argv":["true"]}}', '{"type":"command","priority":"SUPER"}'].join('\n'));
    const res = await cli('submit', '--file', bad);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/jobs\[1\]\.priority|jobs\[1\]: .*priority/);
    const notJson = join(dir, 'broken.jsonl');
    writeFileSync(notJson, '{"type":"command"}\n{oops');
    const res2 = await cli('submit', '--file', notJson);
    expect(res2.code).toBe(2);
    expect(res2.err).toContain('line 2');
    expect(JSON.parse((await cli('stats', '--json')).out).total).toBe(2); // only the good file's jobs
  });

  it('rejects bad input with exit 2 and a message naming the field', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['submit', 'no_such_type'], /no handler is registered for job type "no_such_type"/],
      [['submit', 'command', '--priority', 'SUPER'], /priority: expected one of LOW, NORMAL, HIGH, URGENT/],
      [['submit', 'command', '--timeout=-5'], /--timeout "-5": expected a number/],
      [['submit', 'command', '--timeout', '-5'], /Option '--timeout' argument is ambiguous/],
      [['submit', 'command', '--timeout', '0'], /timeoutSeconds: /],
      [['submit', 'command', '--params-json', '[1,2]'], /parameters/],
      [['submit', 'command', '--params-json', '{oops'], /--params-json: not valid JSON/],
      [['submit', 'command', '--param', '__proto__.x=1'], /not an allowed key/],
      [['submit', 'command', '--at', 'tomorrow'], /--at "tomorrow": expected an ISO-8601/],
      [['list', '--limit', 'lots'], /--limit "lots"/],
      [['list', '--bogus'], /Unknown option '--bogus'/],
      [['cleanup'], /missing --days/],
      [['show'], /missing <id>/],
      [['show', 'nope'], /no job with id nope/],
    ];
    for (const [argv, message] of cases) {
      const res = await cli(...argv);
      expect(res.code, argv.join(' ')).toBe(2);
      expect(res.err, argv.join(' ')).toMatch(message);
    }
    expect(JSON.parse((await cli('stats', '--json')).out).total).toBe(0);
    expect((await cli('frobnicate')).code).toBe(2);
  });

  it('pauses and resumes queues, cleans up, reports health', async () => {
    expect((await cli('pause', 'imports')).code).toBe(0);
    expect(JSON.parse((await cli('stats', '--json')).out).pausedQueues).toEqual(['imports']);
    expect((await cli('resume', 'imports')).code).toBe(0);
    expect(JSON.parse((await cli('cleanup', '--days', '30', '--json')).out)).toEqual({ removed: 0 });
    const health = JSON.parse((await cli('health', '--json')).out);
    expect(['healthy', 'degraded']).toContain(health.status);
    expect(health.checks.backend.ok).toBe(true);
  });

  it('an invalid environment variable stops with a message naming it', async () => {
    const err: string[] = [];
    const code = await runCli(['stats', '--db', db], { out: () => {}, err: (t) => err.push(t), env: { JOB_MAX_RETRIES: 'many' } });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('JOB_MAX_RETRIES="many" is invalid: expected a whole number from 0 to 100');
  });
});

describe('docs/cli.md', () => {
  it('documents every command', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/cli.md'), 'utf8');
    const missing = Object.keys(COMMANDS).filter((name) => !doc.includes(`| \`${name}`));
    expect(missing, `commands without a row in docs/cli.md: ${missing.join(', ')}`).toEqual([]);
  });
});

describe('jobhandle bin (child process)', () => {
  const bin = join(__dirname, '../../../bin/jobhandle.mjs');
  const run = (...argv: string[]) =>
    spawnSync(process.execPath, [bin, ...argv, '--db', db], {
      encoding: 'utf8',
      // The host is busy while the suites run in parallel: keep backpressure out of this test.
      env: { ...process.env, JOBHANDLE_DATA_DIR: dir, JOB_QUEUE_CPU_THRESHOLD: '100', JOB_QUEUE_MEMORY_THRESHOLD: '100' },
      timeout: 60_000,
    });

  it('submit --wait runs the job in a worker process and exits 0, or 1 when it fails', () => {
    const ok = run('submit', 'command', '--params-json', '{"argv":["sh","-c","echo from-a-worker"]}', '--wait', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    const done = JSON.parse(ok.stdout) as { status: string; worker: string; result: { stdoutTail: string[] } };
    expect(done.status).toBe('completed');
    expect(done.worker).toMatch(/^worker-\d+$/);
    expect(done.result.stdoutTail).toEqual(['from-a-worker']);

    const fail = run('submit', 'command', '--param', 'argv=["false"]', '--retries', '0', '--wait', '--json');
    expect(fail.status, fail.stderr).toBe(1);
    expect(JSON.parse(fail.stdout).status).toBe('failed');

    const usage = run('submit');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('missing <type>');
    // Three CLI runs from source, two of them starting an engine and a worker process: ~30 s on a
    // loaded 2-core machine. Each run has its own 60 s limit above.
  }, 120_000);
});
